"""The one adapter between the platform and the `ml` package: nothing else imports torch.

The predictor is loaded once per worker process, lazily, and reused for every analysis; the
explainer wraps that same predictor and is built once per checkpoint too.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

_lock = threading.Lock()
_predictors: dict[str, object] = {}
_explainers: dict[str, object] = {}
# Captum hooks the shared model while it attributes: one explanation at a time per process.
_explain_lock = threading.Lock()


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
    computed_with: dict[str, str]  # {"device": "cpu", "precision": "bfloat16"}


def _predictor(checkpoint_dir: str):
    from ml.inference import Predictor

    with _lock:
        predictor = _predictors.get(checkpoint_dir)
        if predictor is None:
            predictor = Predictor.load(
                Path(checkpoint_dir), device=settings.ML_DEVICE, precision=settings.ML_PRECISION
            )
            _predictors[checkpoint_dir] = predictor
    return predictor


def model_preload(checkpoint_dir: str) -> None:
    """Load the checkpoint's predictor and explainer now instead of on the first analysis.

    An analysis that arrives meanwhile waits for the same load (the cache's lock) rather than
    loading the model a second time.
    """
    _explainer(checkpoint_dir)


def key_image(dicom_paths: list[Path]) -> Path | None:
    """The instance the model reads of a study, by ml's selection policy (None without one).

    Heat maps are drawn over this instance's middle frame, so the viewer opens it with them.
    """
    from ml.preprocessing.dicom import ImageDecodeError, select_study_instance

    if not dicom_paths:
        return None
    try:
        return select_study_instance(dicom_paths)
    except (ImageDecodeError, ValueError):
        return None


@dataclass(frozen=True)
class StudyFiles:
    """What the model reads of one study: its de-identified instance files and its note."""

    dicom_paths: list[Path]
    note: str | None


def studies_predict(
    *, checkpoint_dir: str, studies: list[StudyFiles]
) -> list[StudyScores | InferenceInputError]:
    """Run the model on several studies in one batch; one result per study, in order.

    A study whose image cannot be decoded gets an :class:`InferenceInputError` naming the file
    in its place, and the others are still predicted together.
    """
    from ml.inference import StudyInput
    from ml.preprocessing import ImageDecodeError

    predictor = _predictor(checkpoint_dir)
    predictions = predictor.predict_each(
        [StudyInput(dicom_paths=s.dicom_paths, note=s.note) for s in studies],
        batch_size=settings.ML_BATCH_SIZE,
    )
    computed_with = {"device": str(predictor.device), "precision": predictor.precision}
    return [
        InferenceInputError(f"An image of the study could not be decoded: {prediction}")
        if isinstance(prediction, ImageDecodeError)
        else StudyScores(
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
            computed_with=computed_with,
        )
        for prediction in predictions
    ]


@dataclass(frozen=True)
class WordScore:
    """One word of the note: ``note[start:end] == word``; ``score`` signed (+ for the finding)."""

    word: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class ExplainedFinding:
    """The explanation of one finding, in platform terms (plain numbers, arrays and dicts).

    ``heatmap`` and ``display_image`` are (H, W) float32 in [0, 1] on the same grid, or ``None``
    for a study without image; ``faithfulness`` holds one deletion check per modality, as dicts.
    """

    finding: str
    probability: float
    logit: float
    heatmap: np.ndarray | None
    display_image: np.ndarray | None
    words: list[WordScore]
    modality_shares: dict[str, float]
    modality_attributions: dict[str, float]
    completeness_delta: float
    completeness_relative: float
    model_gate: dict[str, float]
    faithfulness: list[dict[str, Any]]
    captum_version: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def faithful(self) -> bool:
        return all(check["passed"] for check in self.faithfulness)


def _explainer(checkpoint_dir: str):
    from ml.explain import Explainer

    predictor = _predictor(checkpoint_dir)
    with _lock:
        explainer = _explainers.get(checkpoint_dir)
        if explainer is None:
            explainer = Explainer(predictor)
            _explainers[checkpoint_dir] = explainer
    return explainer


def _plain(item: Any) -> Any:
    return item.tolist() if hasattr(item, "tolist") else str(item)


def _json_safe(value: Any) -> Any:
    # Settings may hold tuples, numpy scalars or paths; the database wants plain JSON.
    return json.loads(json.dumps(value, default=_plain))


def _captum_version(explain_settings: dict[str, Any]) -> str:
    for key in ("captum_version", "captum"):
        if isinstance(explain_settings.get(key), str):
            return explain_settings[key]
    import captum

    return str(captum.__version__)


def study_explain(
    *, checkpoint_dir: str, dicom_paths: list[Path], note: str | None, findings: list[str]
) -> list[ExplainedFinding]:
    """Explain `findings` of one study (Captum: Grad-CAM, Integrated Gradients); card order."""
    from ml.inference import StudyInput
    from ml.preprocessing import ImageDecodeError

    explainer = _explainer(checkpoint_dir)
    try:
        with _explain_lock:
            results = explainer.explain(
                StudyInput(dicom_paths=dicom_paths, note=note), findings=findings
            )
    except ImageDecodeError as error:
        raise InferenceInputError(f"An image of the study could not be decoded: {error}") from error
    explained = []
    for result in results:
        explain_settings = _json_safe(dict(result.settings))
        explained.append(
            ExplainedFinding(
                finding=result.finding,
                probability=float(result.probability),
                logit=float(result.logit),
                heatmap=None if result.heatmap is None else np.asarray(result.heatmap, "float32"),
                display_image=(
                    None
                    if result.display_image is None
                    else np.asarray(result.display_image, "float32")
                ),
                words=[
                    WordScore(word=w.word, start=int(w.start), end=int(w.end), score=float(w.score))
                    for w in result.words
                ],
                modality_shares={k: float(v) for k, v in result.modality_shares.items()},
                modality_attributions={
                    k: float(v) for k, v in result.modality_attributions.items()
                },
                completeness_delta=float(result.completeness_delta),
                completeness_relative=float(result.completeness_relative),
                model_gate={k: float(v) for k, v in result.model_gate.items()},
                faithfulness=[_json_safe(asdict(check)) for check in result.faithfulness],
                captum_version=_captum_version(explain_settings),
                settings=explain_settings,
            )
        )
    return explained
