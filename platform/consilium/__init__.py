"""Consilium: multimodal diagnosis-support platform. Decision support, not a diagnosis.

Kept empty on purpose: `consilium.deid` and `consilium.runtime` must import without Django. The
Celery app (`consilium.celery`) is loaded by the core app's ready() and by `celery -A consilium`.
"""
