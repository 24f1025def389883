"""Requesting and running analyses. Tasks and views call these; the logic lives here."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consilium.accounts.models import AutoAnalysis, Site
from consilium.analyses.inference import (
    InferenceInputError,
    StudyFiles,
    StudyScores,
    key_image,
    studies_predict,
)
from consilium.analyses.models import Analysis, AnalysisStatus, Prediction
from consilium.audit.models import Action
from consilium.audit.services import Actor, audit_record
from consilium.core.jobs import JobStateError, job_update_status
from consilium.imaging.models import Study
from consilium.imaging.selectors import study_instances
from consilium.registry.selectors import model_version_active

logger = logging.getLogger(__name__)


class AnalysisRequestError(ValueError):
    """The analysis cannot be requested; the message says why and what to do."""


AnalysisStateError = JobStateError


def analysis_update_status(*, analysis: Analysis, status: str, **fields: object) -> Analysis:
    """The one place a status changes (see :func:`consilium.core.jobs.job_update_status`)."""
    return job_update_status(analysis, status, **fields)


def _enqueue(analysis_id: str) -> None:
    from consilium.analyses.tasks import analysis_run

    analysis_run.delay(analysis_id)


def analysis_request(*, site: Site, actor: Actor, study: Study) -> tuple[Analysis, bool]:
    """The analysis of `study` by the active model: created and queued, or the existing one."""
    model_version = model_version_active()
    if model_version is None:
        raise AnalysisRequestError("No model is active; an ML engineer must register one.")
    if study.site_id != site.pk:
        raise AnalysisRequestError("The study belongs to another site.")
    if not study.notes.exists() and not study_instances(study=study).exists():
        raise AnalysisRequestError("The study has neither images nor notes yet; upload them first.")
    with transaction.atomic():
        analysis, created = Analysis.objects.get_or_create(
            study=study, model_version=model_version, defaults={"site": site}
        )
        audit_record(
            site=site,
            actor=actor,
            action=Action.ANALYSIS_REQUESTED,
            target=analysis,
            details={"created": created, "model": str(model_version)},
        )
        if created:
            analysis_id = str(analysis.pk)
            transaction.on_commit(lambda: _enqueue(analysis_id))
    return analysis, created


def _local_path(name: str) -> Path:
    # FileSystemStorage answers path(); an object store would stage a copy instead.
    return Path(default_storage.path(name))


@dataclass(frozen=True)
class StudyInputs(StudyFiles):
    """What the model reads of a study (its decodable instance files and its notes, joined),
    and a summary of them for the analysis record."""

    summary: dict[str, object]


def study_inputs(study: Study) -> StudyInputs:
    """The study's inputs. The key image (the one instance the model reads, by ml's own policy)
    is chosen here once: the model is handed that file alone, and the summary names it."""
    instances = [i for i in study_instances(study=study) if i.rows and i.columns]
    notes = [note.text for note in study.notes.order_by("created_at")]
    paths = [_local_path(instance.file.name) for instance in instances]
    summary: dict[str, object] = {"instances": len(paths), "notes": len(notes)}
    chosen = key_image(paths)
    for instance, path in zip(instances, paths, strict=True):
        if path == chosen:
            summary["key_image"] = {
                "instance": instance.pk,
                "frame": instance.number_of_frames // 2,  # the middle frame, as ml reads it
            }
    return StudyInputs(
        # Without a key image no header was readable: the model's own error names the file.
        dicom_paths=[chosen] if chosen is not None else paths,
        note="\n\n".join(notes) if notes else None,
        summary=summary,
    )


def analysis_execute(*, analysis_id: str, worker: str, claim: str = "") -> None:
    """Run one analysis, and in the same batch up to ``ML_BATCH_SIZE - 1`` other queued analyses
    of the same model (oldest first): a backlog is predicted batch by batch, which is faster a
    study (``bench/backlog.py`` measures it).

    ``claim`` names the caller (the task id; a fresh token if empty). Safe to call twice or after
    a crash (the status says what is left): a delivery of an analysis that another batch claimed
    less than ``ANALYSIS_CLAIM_SECONDS`` ago returns at once; the same claim, redelivered after
    its worker died, takes back the analyses it had claimed.
    """
    claim = claim or f"inline-{uuid.uuid4().hex}"
    batch = _analyses_claim(analysis_id=analysis_id, worker=worker, claim=claim)
    if not batch:
        return
    runnable: list[tuple[Analysis, StudyInputs]] = []
    for analysis in batch:
        inputs = study_inputs(analysis.study)
        if inputs.dicom_paths or inputs.note:
            runnable.append((analysis, inputs))
        else:
            _finish_failed(
                analysis_id=str(analysis.pk),
                error="The study has no decodable images and no notes.",
            )
    if not runnable:
        return
    # A batch holds one model version's analyses, so they share one checkpoint.
    results = studies_predict(
        checkpoint_dir=batch[0].model_version.checkpoint_dir,
        studies=[inputs for _, inputs in runnable],
    )
    for (analysis, inputs), result in zip(runnable, results, strict=True):
        if isinstance(result, InferenceInputError):
            _finish_failed(analysis_id=str(analysis.pk), error=str(result))
        else:
            _finish_succeeded(analysis_id=str(analysis.pk), inputs=inputs, scores=result)


def _analyses_claim(*, analysis_id: str, worker: str, claim: str) -> list[Analysis]:
    """Mark the analysis and its batch-mates running under ``claim``; [] when there is nothing
    to do (finished, gone, or another live batch has it)."""
    with transaction.atomic():
        analysis = (
            Analysis.objects.select_for_update(of=("self",))
            .select_related("study", "model_version")
            .filter(pk=analysis_id)
            .first()
        )
        if analysis is None or analysis.is_finished or _held_by_another_batch(analysis, claim):
            return []
        mates = list(
            Analysis.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("study", "model_version")
            .filter(model_version_id=analysis.model_version_id)
            .filter(
                Q(status=AnalysisStatus.QUEUED) | Q(status=AnalysisStatus.RUNNING, claimed_by=claim)
            )
            .exclude(pk=analysis.pk)
            .order_by("created_at", "id")[: settings.ML_BATCH_SIZE - 1]
        )
        now = timezone.now()
        for member in (analysis, *mates):
            analysis_update_status(
                analysis=member,
                status=AnalysisStatus.RUNNING,
                attempt=member.attempt + 1,
                worker=worker,
                claimed_by=claim,
                started_at=now,
            )
    return [analysis, *mates]


def _held_by_another_batch(analysis: Analysis, claim: str) -> bool:
    if analysis.status != AnalysisStatus.RUNNING or analysis.claimed_by in ("", claim):
        return False
    lease = timedelta(seconds=settings.ANALYSIS_CLAIM_SECONDS)
    return analysis.started_at is not None and analysis.started_at > timezone.now() - lease


def _finish_succeeded(*, analysis_id: str, inputs: StudyInputs, scores: StudyScores) -> None:
    with transaction.atomic():
        analysis = Analysis.objects.select_for_update().get(pk=analysis_id)
        if analysis.is_finished:  # a duplicate delivery finished first
            return
        Prediction.objects.filter(analysis=analysis).delete()
        Prediction.objects.bulk_create(
            Prediction(
                analysis=analysis,
                finding=score.finding,
                probability=score.probability,
                threshold=score.threshold,
                positive=score.positive,
            )
            for score in scores.findings
        )
        analysis_update_status(
            analysis=analysis,
            status=AnalysisStatus.SUCCEEDED,
            modality_gate=scores.modality_gate,
            input_summary={**inputs.summary, "inference": scores.computed_with},
            error="",
            finished_at=timezone.now(),
        )
        _explain_positive_findings(analysis)


def _explain_positive_findings(analysis: Analysis) -> None:
    """Every prediction comes with an explanation: queue its positive findings' (on commit)."""
    # Imported here: explanations build on analyses, so the module-level imports run one way.
    from consilium.explanations.services import explanations_request

    explanations_request(analysis=analysis, actor=None)


def _finish_failed(*, analysis_id: str, error: str) -> None:
    with transaction.atomic():
        analysis = Analysis.objects.select_for_update().get(pk=analysis_id)
        if analysis.is_finished:
            return
        analysis_update_status(
            analysis=analysis, status=AnalysisStatus.FAILED, error=error, finished_at=timezone.now()
        )


def analysis_fail(*, analysis_id: str, error: str, claim: str = "") -> None:
    """Give up on an analysis after its retries (called by the task's failure path).

    The other analyses its batch ``claim`` had taken go back to the queue, each to be tried on
    its own message: one study's failure is not theirs.
    """
    _finish_failed(analysis_id=analysis_id, error=error)
    if not claim:
        return
    with transaction.atomic():
        for mate_id in _running_requeued(claimed_by=claim):
            transaction.on_commit(lambda mate_id=mate_id: _enqueue(mate_id))


def _running_requeued(**match: str) -> list[str]:
    """Put the running analyses that ``match`` back to queued, under their row locks (inside the
    caller's transaction); returns their ids."""
    rows = list(Analysis.objects.select_for_update().filter(status=AnalysisStatus.RUNNING, **match))
    for row in rows:
        analysis_update_status(analysis=row, status=AnalysisStatus.QUEUED, claimed_by="")
    return [str(row.pk) for row in rows]


def analysis_recover_orphans(*, worker: str) -> list[str]:
    """Re-queue work whose messages may be gone: a worker that died mid-task, a broker restarted.

    Called when a worker starts. Running analyses last claimed by this worker's hostname go back
    to queued; every queued analysis is re-sent (a duplicate delivery is harmless by design).
    """
    with transaction.atomic():
        orphans = _running_requeued(worker=worker)
        queued = [
            str(pk)
            for pk in Analysis.objects.filter(status=AnalysisStatus.QUEUED).values_list(
                "pk", flat=True
            )
        ]
    for analysis_id in queued:
        _enqueue(analysis_id)
    if queued:
        logger.info(
            "Re-queued %d analyses (%d orphaned by a dead worker)", len(queued), len(orphans)
        )
    return queued


def study_activity_recorded(*, study: Study) -> None:
    """An instance or a note arrived: note the time and make sure a stability check is pending.

    At most one check is pending per study: a check that finds newer activity moves itself to
    the new "stable" time instead of acting. Called inside or after the ingesting transaction.
    """
    now = timezone.now()
    Study.objects.filter(pk=study.pk).update(last_activity_at=now)
    if study.site.auto_analysis == AutoAnalysis.OFF:
        return
    delay = settings.STUDY_STABLE_SECONDS
    claimed = (
        Study.objects.filter(pk=study.pk)
        .filter(Q(stable_check_at__isnull=True) | Q(stable_check_at__lt=now))
        .update(stable_check_at=now + timedelta(seconds=delay))
    )
    if claimed:
        _schedule_stable_check(study.pk, delay)


def _schedule_stable_check(study_id: int, delay: float) -> None:
    def send() -> None:
        from consilium.analyses.tasks import study_check_stable

        study_check_stable.apply_async((study_id,), countdown=max(delay, 0.0))

    transaction.on_commit(send)


def study_auto_analysis(*, study_id: int) -> Analysis | None:
    """If the study is stable and its site's policy allows, request its analysis (idempotent).

    Returns the analysis, or None when the study is not stable yet (the check is then moved to
    when it may be), the policy says no, or no model is active.
    """
    study = Study.objects.select_related("site").filter(pk=study_id).first()
    if study is None or study.last_activity_at is None:
        return None
    policy = study.site.auto_analysis
    stable_at = study.last_activity_at + timedelta(seconds=settings.STUDY_STABLE_SECONDS)
    now = timezone.now()
    if policy != AutoAnalysis.OFF and stable_at > now:
        Study.objects.filter(pk=study.pk).update(stable_check_at=stable_at)
        _schedule_stable_check(study.pk, (stable_at - now).total_seconds())
        return None
    Study.objects.filter(pk=study.pk).update(stable_check_at=None)
    if policy == AutoAnalysis.OFF or not study_instances(study=study).exists():
        return None
    if policy == AutoAnalysis.NOTE_REQUIRED and not study.notes.exists():
        return None
    try:
        analysis, _ = analysis_request(site=study.site, actor=None, study=study)
    except AnalysisRequestError as error:
        logger.info("Study %s is stable but not analysed: %s", study.pk, error)
        return None
    return analysis
