"""Celery tasks: thin interfaces that load an id and call one service."""

from __future__ import annotations

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from consilium.analyses.services import analysis_execute, analysis_fail, study_auto_analysis
from consilium.explanations.services import explanation_execute, explanations_fail

# Transient infrastructure errors are retried; anything else fails the job with a reason.
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
                claim=task_id,
            )


class ExplanationTask(AnalysisTask):
    """The same policy; giving up fails the explanations, never the analysis they explain."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        explanation_ids = kwargs.get("explanation_ids") or (args[1] if len(args) > 1 else None)
        if explanation_ids:
            explanations_fail(
                explanation_ids=list(explanation_ids),
                error=f"Explanation failed ({type(exc).__name__}); the worker log has details.",
            )


@shared_task(bind=True, base=AnalysisTask, name="consilium.analyses.tasks.analysis_run")
def analysis_run(self, analysis_id: str) -> None:
    analysis_execute(
        analysis_id=analysis_id, worker=self.request.hostname or "", claim=self.request.id or ""
    )


@shared_task(bind=True, base=ExplanationTask, name="consilium.analyses.tasks.analysis_explain")
def analysis_explain(self, analysis_id: str, explanation_ids: list[int]) -> None:
    explanation_execute(
        analysis_id=analysis_id,
        explanation_ids=explanation_ids,
        worker=self.request.hostname or "",
    )


@shared_task(name="consilium.analyses.tasks.study_check_stable", ignore_result=True)
def study_check_stable(study_id: int) -> None:
    """Runs STUDY_STABLE_SECONDS after an arrival; queues the analysis if the study is stable."""
    study_auto_analysis(study_id=study_id)
