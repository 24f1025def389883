"""Requesting and running explanations. Tasks and views call these; the logic lives here.

Running one follows `analysis_execute`: claim the rows under a lock, compute outside any
transaction, then lock again and write the results only if no other delivery finished first. The
artifacts of each run go to a directory of their own, and a row points at a directory only once it
is complete, so a reader never sees a half-written set and a duplicate run leaves no stray files.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from consilium.analyses.inference import ExplainedFinding, InferenceInputError, study_explain
from consilium.analyses.models import Analysis, AnalysisStatus
from consilium.analyses.services import study_inputs
from consilium.audit.models import Action
from consilium.audit.services import Actor, audit_record
from consilium.core.jobs import JobStateError, job_update_status
from consilium.explanations import rendering
from consilium.explanations.models import Explanation, ExplanationStatus

logger = logging.getLogger(__name__)

ARTIFACTS_ROOT = "explanations"


class ExplanationRequestError(ValueError):
    """The explanation cannot be requested; the message says why and what to do."""


class ExplanationNotReadyError(ExplanationRequestError):
    """The analysis has not succeeded (yet): there is nothing to explain."""


ExplanationStateError = JobStateError


def explanation_update_status(
    *, explanation: Explanation, status: str, **fields: object
) -> Explanation:
    """The one place a status changes (see :func:`consilium.core.jobs.job_update_status`)."""
    return job_update_status(explanation, status, **fields)


def _enqueue(analysis_id: str, explanation_ids: list[int]) -> None:
    from consilium.analyses.tasks import analysis_explain

    analysis_explain.delay(analysis_id, explanation_ids)


def explanations_request(
    *, analysis: Analysis, actor: Actor, findings: Sequence[str] | None = None
) -> list[Explanation]:
    """Queue explanations of `findings` of a succeeded analysis (default: its positive findings).

    Existing explanations are returned as they are; a failed one is queued again. The work is
    enqueued after the transaction commits, one task for all the findings queued here.
    """
    if analysis.status != AnalysisStatus.SUCCEEDED:
        raise ExplanationNotReadyError(
            f"The analysis is {analysis.status}; explanations follow its predictions, "
            "so ask again once it has succeeded."
        )
    predictions = list(analysis.predictions.all())
    known = [prediction.finding for prediction in predictions]
    on_demand = findings is not None
    if findings is None:
        wanted = [prediction.finding for prediction in predictions if prediction.positive]
    else:
        wanted = list(dict.fromkeys(findings))
        unknown = [finding for finding in wanted if finding not in known]
        if unknown:
            raise ExplanationRequestError(
                f"Unknown finding {', '.join(map(repr, unknown))}; this analysis's model "
                f"predicts: {', '.join(known)}."
            )
    if not wanted:
        return []
    with transaction.atomic():
        explanations = []
        queued: list[int] = []
        for finding in wanted:
            explanation, created = Explanation.objects.select_for_update().get_or_create(
                analysis=analysis, finding=finding, defaults={"on_demand": on_demand}
            )
            if explanation.status == ExplanationStatus.FAILED:
                explanation_update_status(
                    explanation=explanation, status=ExplanationStatus.QUEUED, error=""
                )
            if created or explanation.status == ExplanationStatus.QUEUED:
                queued.append(explanation.pk)
            explanations.append(explanation)
        if on_demand:
            audit_record(
                site=analysis.site,
                actor=actor,
                action=Action.EXPLANATION_REQUESTED,
                target=analysis,
                details={"findings": wanted, "queued": len(queued)},
            )
        if queued:
            analysis_id = str(analysis.pk)
            transaction.on_commit(lambda: _enqueue(analysis_id, queued))
    return explanations


@dataclass(frozen=True)
class _Artifacts:
    """What one run wrote for one finding: the paths (relative to MEDIA_ROOT) and image size."""

    paths: dict[str, str]
    width: int | None = None
    height: int | None = None


def _artifacts_write(*, explanation: Explanation, result: ExplainedFinding) -> _Artifacts:
    """Write one finding's pictures into a directory no other run uses."""
    if result.heatmap is None or result.display_image is None:
        return _Artifacts(paths={})
    folder = f"{ARTIFACTS_ROOT}/{explanation.analysis_id}/{explanation.pk}/{uuid.uuid4().hex}"
    raw = io.BytesIO()
    np.save(raw, result.heatmap.astype(np.float32), allow_pickle=False)
    files = {
        "overlay_path": (
            "overlay.png",
            rendering.overlay_png(
                result.display_image,
                result.heatmap,
                title=f"{result.finding} · p = {result.probability:.2f}",
            ),
        ),
        "heatmap_path": ("heatmap.png", rendering.heatmap_png(result.heatmap)),
        "image_path": ("image.png", rendering.image_png(result.display_image)),
        "raw_heatmap_path": ("heatmap.npy", raw.getvalue()),
    }
    paths: dict[str, str] = {}
    try:
        for field, (name, content) in files.items():
            paths[field] = default_storage.save(f"{folder}/{name}", ContentFile(content))
    except BaseException:
        _artifacts_delete(paths.values())
        raise
    height, width = result.heatmap.shape
    return _Artifacts(paths=paths, width=int(width), height=int(height))


def _artifacts_delete(paths) -> None:
    for path in paths:
        if path:
            default_storage.delete(path)


def _result_fields(result: ExplainedFinding, artifacts: _Artifacts, note: str | None) -> dict:
    return {
        **artifacts.paths,
        "image_width": artifacts.width,
        "image_height": artifacts.height,
        "probability": result.probability,
        "logit": result.logit,
        "note_text": note or "",
        "words": [asdict(word) for word in result.words],
        "image_share": result.modality_shares.get("image"),
        "note_share": result.modality_shares.get("note"),
        "modality_attributions": result.modality_attributions,
        "model_gate": result.model_gate,
        "completeness_delta": result.completeness_delta,
        "completeness_relative": result.completeness_relative,
        "faithfulness": result.faithfulness,
        "faithful": result.faithful,
        "captum_version": result.captum_version,
        "settings": result.settings,
    }


def explanation_execute(*, analysis_id: str, explanation_ids: Sequence[int], worker: str) -> None:
    """Explain the given findings of one analysis; safe to call twice or after a crash."""
    with transaction.atomic():
        claimed = list(
            Explanation.objects.select_for_update()
            .filter(analysis_id=analysis_id, pk__in=list(explanation_ids))
            .exclude(status__in=Explanation.FINISHED)
        )
        if not claimed:
            return
        for explanation in claimed:
            explanation_update_status(
                explanation=explanation,
                status=ExplanationStatus.RUNNING,
                attempt=explanation.attempt + 1,
                worker=worker,
                started_at=timezone.now(),
            )
        analysis = Analysis.objects.select_related("study", "model_version").get(pk=analysis_id)
    inputs = study_inputs(analysis.study)
    findings = [explanation.finding for explanation in claimed]
    try:
        if not inputs.dicom_paths and not inputs.note:
            raise InferenceInputError("The study has no decodable images and no notes.")
        results = study_explain(
            checkpoint_dir=analysis.model_version.checkpoint_dir,
            dicom_paths=inputs.dicom_paths,
            note=inputs.note,
            findings=findings,
        )
    except InferenceInputError as error:
        explanations_fail(explanation_ids=[e.pk for e in claimed], error=str(error))
        return
    by_finding = {result.finding: result for result in results}
    written: dict[int, _Artifacts] = {}
    kept: set[int] = set()
    try:
        for explanation in claimed:
            written[explanation.pk] = _artifacts_write(
                explanation=explanation, result=by_finding[explanation.finding]
            )
        with transaction.atomic():
            for explanation in Explanation.objects.select_for_update().filter(pk__in=list(written)):
                if explanation.is_finished:  # a duplicate delivery finished first
                    continue
                explanation_update_status(
                    explanation=explanation,
                    status=ExplanationStatus.SUCCEEDED,
                    error="",
                    finished_at=timezone.now(),
                    **_result_fields(
                        by_finding[explanation.finding], written[explanation.pk], inputs.note
                    ),
                )
                kept.add(explanation.pk)
    except BaseException:
        kept.clear()  # rolled back: no row points at any of them
        raise
    finally:
        # What no row took (a duplicate won, the row is gone, or an error) is not kept.
        _artifacts_delete(
            path
            for pk, artifacts in written.items()
            if pk not in kept
            for path in artifacts.paths.values()
        )


def explanations_fail(*, explanation_ids: Sequence[int], error: str) -> None:
    """Finish unfinished explanations as failed with a reason (also the task's failure path)."""
    with transaction.atomic():
        for explanation in Explanation.objects.select_for_update().filter(
            pk__in=list(explanation_ids)
        ):
            if explanation.is_finished:
                continue
            explanation_update_status(
                explanation=explanation,
                status=ExplanationStatus.FAILED,
                error=error,
                finished_at=timezone.now(),
            )


def explanation_recover_orphans(*, worker: str) -> dict[str, list[int]]:
    """Re-queue explanations whose messages may be gone (see `analysis_recover_orphans`)."""
    with transaction.atomic():
        orphans = list(
            Explanation.objects.select_for_update().filter(
                status=ExplanationStatus.RUNNING, worker=worker
            )
        )
        for explanation in orphans:
            explanation_update_status(explanation=explanation, status=ExplanationStatus.QUEUED)
        queued: dict[str, list[int]] = defaultdict(list)
        for pk, analysis_id in Explanation.objects.filter(
            status=ExplanationStatus.QUEUED
        ).values_list("pk", "analysis_id"):
            queued[str(analysis_id)].append(pk)
    for analysis_id, explanation_ids in queued.items():
        _enqueue(analysis_id, explanation_ids)
    if queued:
        logger.info(
            "Re-queued explanations of %d analyses (%d orphaned by a dead worker)",
            len(queued),
            len(orphans),
        )
    return dict(queued)
