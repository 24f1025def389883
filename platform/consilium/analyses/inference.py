"""The one adapter between the platform and the `ml` package: nothing else imports torch.

The predictor is loaded once per worker process, lazily, and reused for every analysis.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

_lock = threading.Lock()
_predictors: dict[str, object] = {}


class InferenceInputError(ValueError):
    """The study's inputs cannot be turned into model inputs (a user-facing reason)."""


@dataclass(frozen=True)
class FindingScore:
    finding: str
    probability: float
    threshold: float
    positive: bool


@dataclass(frozen=True)
class StudyScores:
    findings: list[FindingScore]
    modality_gate: dict[str, float]


def _predictor(checkpoint_dir: str):
    from ml.inference import Predictor

    with _lock:
        predictor = _predictors.get(checkpoint_dir)
        if predictor is None:
            predictor = Predictor.load(Path(checkpoint_dir), device=settings.ML_DEVICE)
            _predictors[checkpoint_dir] = predictor
    return predictor


def study_predict(*, checkpoint_dir: str, dicom_paths: list[Path], note: str | None) -> StudyScores:
    """Run the model on one study's de-identified files and note."""
    from ml.inference import StudyInput
    from ml.preprocessing import ImageDecodeError

    predictor = _predictor(checkpoint_dir)
    try:
        (prediction,) = predictor.predict(
            [StudyInput(dicom_paths=dicom_paths, note=note)], batch_size=settings.ML_BATCH_SIZE
        )
    except ImageDecodeError as error:
        raise InferenceInputError(f"An image of the study could not be decoded: {error}") from error
    return StudyScores(
        findings=[
            FindingScore(
                finding=item.finding,
                probability=float(item.probability),
                threshold=float(item.threshold),
                positive=bool(item.positive),
            )
            for item in prediction.findings
        ],
        modality_gate={key: float(value) for key, value in prediction.modality_gate.items()},
    )
