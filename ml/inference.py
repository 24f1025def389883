"""The interface the platform uses: load a checkpoint once, predict findings for studies.

::

    predictor = Predictor.load(Path("var/models/demo"))
    [prediction] = predictor.predict([StudyInput(dicom_paths=[...], note="...")])
    prediction.findings[0].probability, prediction.modality_gate["image"]

Everything runs batched under ``torch.inference_mode()``. A study needs an image or a note (or
both); the fusion's modality gate is forced to the modality that is present.

Precision: ``"auto"`` computes in bf16 where the hardware multiplies bf16 natively (CUDA GPUs;
CPUs with AVX512-BF16 or AMX) and in fp32 elsewhere; ``Predictor.precision`` says which was
chosen. bf16 moves probabilities by a few thousandths (``bench/inference.py`` measures it against
fp32); ``precision="float32"`` gives the exact path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import torch

from ml.checkpoint import LoadedCheckpoint, ModelCard, load_checkpoint
from ml.dataset import read_labelled_set
from ml.devices import autocast, autocast_weights, dtype_name, inference_dtype, pick_device
from ml.preprocessing import (
    ImageDecodeError,
    NoteWindows,
    build_image_transform,
    load_study_image,
    note_is_present,
)
from ml.study_tensors import stack_images


@dataclass(frozen=True)
class StudyInput:
    """One study to predict: its instance files (may be empty → image missing) and its
    de-identified note (``None`` or blank → note missing)."""

    dicom_paths: Sequence[Path]
    note: str | None


def labelled_studies(data_dir: Path) -> list[StudyInput]:
    """The studies of a labelled set on disk (:mod:`ml.dataset`'s layout) as predictor inputs,
    in ``labels.csv`` order; their labels are left out."""
    return [
        StudyInput(dicom_paths=list(study.dicom_paths), note=study.note)
        for study in read_labelled_set(Path(data_dir)).studies
    ]


@dataclass(frozen=True)
class FindingPrediction:
    """Probability of one finding, the card's threshold for it, and the decision."""

    finding: str
    probability: float
    threshold: float
    positive: bool


@dataclass(frozen=True)
class StudyPrediction:
    """One study's findings (card order) and how much each modality counted."""

    findings: list[FindingPrediction]
    modality_gate: dict[str, float]  # {"image": g, "note": 1 - g}


@dataclass(frozen=True)
class PreparedBatch:
    """Model inputs for a batch of studies: images (B, 1, S, S), image_present (B,), windows."""

    images: torch.Tensor
    image_present: torch.Tensor
    windows: NoteWindows


class Predictor:
    """A loaded model version, ready to predict; load once per process and reuse."""

    card: ModelCard

    def __init__(
        self, loaded: LoadedCheckpoint, device: torch.device, precision: str = "auto"
    ) -> None:
        self.card = loaded.card
        self.model = loaded.model
        # Convolutions run 1.4-1.8x faster on channels-last tensors on CPUs (oneDNN) and GPUs
        # (cuDNN); the weights are the same numbers, only stored in another order.
        self.model.image_encoder.to(memory_format=torch.channels_last)
        self.tokenizer = loaded.tokenizer
        self.preprocessing = loaded.preprocessing
        self.transform = build_image_transform(loaded.preprocessing)
        self.device = device
        self.dtype = inference_dtype(device, precision)
        # what predict() runs, under autocast: ``model`` with its matrix weights held in
        # ``dtype`` (the numbers autocast would compute with); ``model`` stays fp32 for
        # explanations
        self.compute_model = autocast_weights(self.model, self.dtype)
        self._thresholds = [self.card.thresholds[f] for f in self.card.findings]

    @classmethod
    def load(
        cls,
        checkpoint_dir: Path,
        *,
        device: str = "auto",
        precision: str = "auto",
        text_encoder_dir: Path | None = None,
    ) -> Predictor:
        """Load ``checkpoint_dir`` (see :func:`ml.checkpoint.load_checkpoint` for the checks).

        ``device`` "auto" takes CUDA when there is a GPU and the CPU otherwise; "cpu", "cuda:1",
        ... force one. ``precision`` is one of :data:`ml.devices.PRECISIONS`; "auto" is bf16
        autocast on CUDA (fp16 on GPUs without bf16) and on CPUs with native bf16, fp32 on
        other CPUs (:func:`ml.devices.inference_dtype`).
        """
        target = pick_device(device)
        inference_dtype(target, precision)  # refuses a bad precision before loading
        loaded = load_checkpoint(
            checkpoint_dir, device=str(target), text_encoder_dir=text_encoder_dir
        )
        return cls(loaded, target, precision)

    @property
    def precision(self) -> str:
        """The dtype predictions are computed in: "float32", "bfloat16" or "float16"."""
        return dtype_name(self.dtype)

    def prepare(self, studies: Sequence[StudyInput]) -> PreparedBatch:
        """Preprocess a batch of studies (decoding DICOM, tokenising notes) on ``self.device``.

        Raises :class:`~ml.preprocessing.ImageDecodeError` (naming the file) for a DICOM that
        cannot be decoded and ``ValueError`` for a study with neither image nor note.
        """
        images = self._decode(studies)
        return self._prepared(studies, cast(list[torch.Tensor | None], images))

    def predict(
        self, studies: Sequence[StudyInput], *, batch_size: int = 32
    ) -> list[StudyPrediction]:
        """Predict every study, ``batch_size`` at a time; results follow the input order.

        Raises :class:`~ml.preprocessing.ImageDecodeError` (naming the file) for a DICOM that
        cannot be decoded and ``ValueError`` for a study with neither image nor note.
        """
        return cast(list[StudyPrediction], self._predict(studies, batch_size, keep_errors=False))

    def predict_each(
        self, studies: Sequence[StudyInput], *, batch_size: int = 32
    ) -> list[StudyPrediction | ImageDecodeError]:
        """Like :meth:`predict`, but a study whose image cannot be decoded gets its
        :class:`~ml.preprocessing.ImageDecodeError` in its place, and the other studies of its
        batch are still predicted together (as they would be without it)."""
        return self._predict(studies, batch_size, keep_errors=True)

    def _predict(
        self, studies: Sequence[StudyInput], batch_size: int, *, keep_errors: bool
    ) -> list[StudyPrediction | ImageDecodeError]:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        results: list[StudyPrediction | ImageDecodeError] = []
        for start in range(0, len(studies), batch_size):
            chunk = studies[start : start + batch_size]
            images = self._decode(chunk, keep_errors=keep_errors)
            errors = {i: x for i, x in enumerate(images) if isinstance(x, ImageDecodeError)}
            good = [i for i in range(len(chunk)) if i not in errors]
            forwarded = (
                self._forward(
                    self._prepared(
                        [chunk[i] for i in good],
                        [cast(torch.Tensor | None, images[i]) for i in good],
                    )
                )
                if good
                else []
            )
            predicted = dict(zip(good, forwarded, strict=True))
            results.extend(errors.get(i) or predicted[i] for i in range(len(chunk)))
        return results

    def _decode(
        self, studies: Sequence[StudyInput], *, keep_errors: bool = False
    ) -> list[torch.Tensor | ImageDecodeError | None]:
        """Each study's image (1, S, S), ``None`` without one, or (``keep_errors``) the error
        that decoding it raised."""
        for index, study in enumerate(studies):
            if not study.dicom_paths and not note_is_present(study.note):
                raise ValueError(
                    f"study {index} of the batch has neither DICOM instances nor a note; "
                    "a prediction needs at least one of them"
                )
        images: list[torch.Tensor | ImageDecodeError | None] = []
        for study in studies:
            try:
                images.append(
                    load_study_image(self.transform, [Path(p) for p in study.dicom_paths])
                    if study.dicom_paths
                    else None
                )
            except ImageDecodeError as error:
                if not keep_errors:
                    raise
                images.append(error)
        return images

    def _prepared(
        self, studies: Sequence[StudyInput], images: Sequence[torch.Tensor | None]
    ) -> PreparedBatch:
        stacked, image_present = stack_images(images, self.preprocessing.image_size)
        windows = self.tokenizer([s.note for s in studies])
        return PreparedBatch(
            images=stacked.to(self.device, memory_format=torch.channels_last),
            image_present=image_present.to(self.device),
            windows=windows.to(self.device),
        )

    def _forward(self, prepared: PreparedBatch) -> list[StudyPrediction]:
        with torch.inference_mode(), autocast(self.device, self.dtype):
            output = self.compute_model.forward_windows(
                prepared.images, prepared.image_present, prepared.windows
            )
            probabilities = torch.sigmoid(output.logits.float()).cpu().tolist()
            gates = output.modality_gate.float().cpu().tolist()
        return [
            self._study_prediction(row, gate)
            for row, gate in zip(probabilities, gates, strict=True)
        ]

    def _study_prediction(self, probabilities: list[float], gate: float) -> StudyPrediction:
        findings = [
            FindingPrediction(
                finding=finding,
                probability=float(probability),
                threshold=threshold,
                positive=probability >= threshold,
            )
            for finding, probability, threshold in zip(
                self.card.findings, probabilities, self._thresholds, strict=True
            )
        ]
        return StudyPrediction(
            findings=findings, modality_gate={"image": float(gate), "note": 1.0 - float(gate)}
        )
