"""Worker start-up: refuse unsafe GPU settings; recover work a dead worker left behind."""

from __future__ import annotations

import logging

from celery.signals import worker_ready

logger = logging.getLogger(__name__)


@worker_ready.connect
def recover_orphaned_analyses(sender=None, **kwargs) -> None:
    from consilium.analyses.services import analysis_recover_orphans

    hostname = getattr(sender, "hostname", "") or ""
    analysis_recover_orphans(worker=hostname)
