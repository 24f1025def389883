"""Celery tasks: thin interfaces that load an id and call one service."""

from __future__ import annotations

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from consilium.analyses.services import analysis_execute, analysis_fail

# Transient infrastructure errors are retried; anything else fails the analysis with a reason.
RETRY_ON = (OperationalError, InterfaceError, ConnectionError)


class AnalysisTask(Task):
    """The policy every analysis task follows, written once."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = RETRY_ON
    retry_backoff = True
    retry_backoff_max = 60
    max_retries = 5

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        analysis_id = kwargs.get("analysis_id") or (args[0] if args else None)
        if analysis_id:
            analysis_fail(
                analysis_id=str(analysis_id),
                error=f"Inference failed ({type(exc).__name__}); the worker log has details.",
            )


@shared_task(bind=True, base=AnalysisTask, name="consilium.analyses.tasks.analysis_run")
def analysis_run(self, analysis_id: str) -> None:
    analysis_execute(analysis_id=analysis_id, worker=self.request.hostname or "")
