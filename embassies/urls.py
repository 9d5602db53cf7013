"""URLs of the embassies app."""

urlpatterns: list = []
