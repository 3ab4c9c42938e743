"""The project package. Not named `platform`: that would shadow Python's standard library module."""

from platform_site.celery import app as celery_app

__all__ = ["celery_app"]
