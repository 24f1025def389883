"""Celery wiring: configured from Django settings (CELERY_*), tasks autodiscovered per app."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")

app = Celery("consilium")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
