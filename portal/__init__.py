"""The Chancery Django project and the ministry's public news portal."""

from .celery import app as celery_app

__all__ = ["celery_app"]
