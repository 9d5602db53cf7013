"""URLs of the publishing app."""

urlpatterns: list = []
