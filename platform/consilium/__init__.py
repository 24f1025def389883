"""Consilium: multimodal diagnosis-support platform. Decision support, not a diagnosis."""

from .celery import app as celery_app

__all__ = ["celery_app"]
