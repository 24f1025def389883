"""Explain a study's findings: image heat maps, note word attributions, modality shares.

::

    explainer = Explainer(predictor)   # the Predictor the worker already holds
    [explanation] = explainer.explain(StudyInput(dicom_paths=[...], note="..."), ["effusion"])

The model is used as loaded: eager (nothing here compiles it), in eval mode, fp32 (no
autocast, so attributions and completeness are exact). Captum's hooks are removed after each
call, so predictions in the same process are unaffected. Everything is deterministic for the
same inputs and settings (the faithfulness check's random draws are seeded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import captum
import numpy as np
import torch

from ml.explain.attributions import (
    image_gradcam,
    image_integrated_gradients,
    modality_attributions,
    note_token_scores,
)
from ml.explain.context import StudyContext, study_context
from ml.explain.faithfulness import image_deletion, note_deletion
from ml.explain.geometry import to_image_grid, unit_scale
from ml.explain.types import Faithfulness, FindingExplanation, ModalityContribution
from ml.explain.words import word_attributions, word_scores
from ml.fusion import FusionOutput
from ml.inference import Predictor, StudyInput


@dataclass(frozen=True)
class ExplainSettings:
    """Steps of each Integrated Gradients integral, how many steps go through the model at once
    (``internal_batch_size``, which bounds memory), and the faithfulness check's parameters."""

    word_steps: int = 12
    modality_steps: int = 32
    # steps double (up to modality_max_steps) until the completeness delta is below this share
    # of |f(x) - f(baseline)|: a finding whose logit barely moves needs a finer integral
    completeness_tolerance: float = 0.05
    modality_max_steps: int = 512
    image_steps: int = 32
    internal_batch_size: int = 16
    deletion_fraction: float = 0.1
    random_draws: int = 5
    deletion_grid: int = 8
    seed: int = 0

    def __post_init__(self) -> None:
        if min(self.word_steps, self.modality_steps, self.image_steps) < 2:
            raise ValueError("Integrated Gradients needs at least 2 steps")
        if self.internal_batch_size < 1 or self.random_draws < 1 or self.deletion_grid < 2:
            raise ValueError("internal_batch_size, random_draws >= 1 and deletion_grid >= 2")
        if self.modality_max_steps < self.modality_steps or self.completeness_tolerance <= 0:
            raise ValueError(
                "need modality_max_steps >= modality_steps, completeness_tolerance > 0"
            )
        if not 0 < self.deletion_fraction < 1:
            raise ValueError("deletion_fraction must be between 0 and 1")


class Explainer:
    """Captum explanations of a loaded model's findings, one study at a time."""

    def __init__(self, predictor: Predictor, settings: ExplainSettings | None = None) -> None:
        self.predictor = predictor
        self.model = predictor.model
        self.settings = settings or ExplainSettings()
        self.findings = list(predictor.card.findings)

    def record(self) -> dict[str, object]:
        """Captum's version and every setting, stored with each explanation."""
        return {
            "captum": captum.__version__,
            "torch": torch.__version__,
            "image": "LayerGradCam(image_encoder.trunk[-1], relu_attributions=True), bilinear",
            "note": "Layer Integrated Gradients (input embeddings, Captum's Gauss-Legendre steps), "
            "[PAD] reference, mask kept",
            "modality": "IntegratedGradients(fusion inputs), zero baseline, finding logit",
            **asdict(self.settings),
        }

    def targets(self, findings: Sequence[str]) -> list[int]:
        unknown = [f for f in findings if f not in self.findings]
        if unknown:
            raise ValueError(
                f"unknown finding(s) {', '.join(map(repr, unknown))}; "
                f"this model predicts {', '.join(self.findings)}"
            )
        return [self.findings.index(f) for f in findings]

    def explain(self, study: StudyInput, findings: Sequence[str]) -> list[FindingExplanation]:
        """One :class:`FindingExplanation` per finding, in the order given."""
        targets = self.targets(findings)
        if not targets:
            return []
        context = study_context(self.predictor, study)
        settings = self.settings
        rng = np.random.default_rng(settings.seed)
        fused = self._fused(context)
        logits = fused.logits[0].float()
        image_gate = float(fused.modality_gate[0])
        gate = {"image": image_gate, "note": 1.0 - image_gate}

        cams: torch.Tensor | None = None
        checks: list[list[Faithfulness]] = [[] for _ in targets]
        if context.has_image:
            cams = image_gradcam(self.model, context, targets)
            for own, check in zip(
                checks, self._image_checks(context, cams, targets, rng), strict=True
            ):
                own.append(check)
        words: list[list[float]] = [[] for _ in targets]
        layout = context.layout
        if layout is not None:
            words = [word_scores(layout, scores) for scores in self._token_scores(context, targets)]
            for own, check in zip(
                checks, self._note_checks(context, words, targets, rng), strict=True
            ):
                own.append(check)

        record = self.record()
        explanations = []
        for position, (finding, target) in enumerate(zip(findings, targets, strict=True)):
            modality = self._modality(context, finding, target)
            explanations.append(
                FindingExplanation(
                    finding=finding,
                    probability=float(torch.sigmoid(logits[target])),
                    logit=float(logits[target]),
                    heatmap=self._heatmap(context, cams[position]) if cams is not None else None,
                    display_image=context.display_image,
                    words=word_attributions(layout, words[position]) if layout else [],
                    modality_shares=modality.shares,
                    modality_attributions=modality.attributions,
                    completeness_delta=modality.completeness_delta,
                    completeness_relative=modality.completeness_relative,
                    model_gate=gate,
                    faithfulness=checks[position],
                    settings={**record, "modality_steps_used": modality.steps},
                )
            )
        return explanations

    def modality_contributions(
        self, study: StudyInput, findings: Sequence[str]
    ) -> list[ModalityContribution]:
        """Only the modality shares (much cheaper than :meth:`explain`: no encoder gradients)."""
        targets = self.targets(findings)
        context = study_context(self.predictor, study)
        return [
            self._modality(context, finding, target)
            for finding, target in zip(findings, targets, strict=True)
        ]

    def image_integrated_gradients(self, study: StudyInput, finding: str) -> np.ndarray:
        """On demand: |Integrated Gradients| of the image for ``finding`` → (H, W) in [0, 1]."""
        (target,) = self.targets([finding])
        context = study_context(self.predictor, study)
        if context.display_image is None:
            raise ValueError("the study has no image to attribute")
        attributions = image_integrated_gradients(
            self.model,
            context,
            target,
            steps=self.settings.image_steps,
            batch=self.settings.internal_batch_size,
        )
        return self._heatmap(context, attributions)

    def _modality(self, context: StudyContext, finding: str, target: int) -> ModalityContribution:
        steps = self.settings.modality_steps
        while True:
            found = modality_attributions(self.model, context, target, steps=steps)
            relative = found.delta / max(abs(found.change), 1e-12)
            if relative < self.settings.completeness_tolerance or found.delta < 1e-6:
                break
            if steps * 2 > self.settings.modality_max_steps:
                break
            steps *= 2
        return ModalityContribution(
            finding=finding,
            shares=_shares(found.image, found.note, context),
            attributions={"image": found.image, "note": found.note},
            completeness_delta=found.delta,
            completeness_relative=relative,
            steps=steps,
        )

    def _token_scores(self, context: StudyContext, targets: list[int]) -> torch.Tensor:
        return note_token_scores(
            self.model,
            context,
            targets,
            steps=self.settings.word_steps,
            batch=self.settings.internal_batch_size,
        )

    def _image_checks(
        self,
        context: StudyContext,
        cams: torch.Tensor,
        targets: list[int],
        rng: np.random.Generator,
    ) -> list[Faithfulness]:
        return image_deletion(
            self.model,
            context,
            cams,
            targets,
            fraction=self.settings.deletion_fraction,
            draws=self.settings.random_draws,
            grid=self.settings.deletion_grid,
            rng=rng,
        )

    def _note_checks(
        self,
        context: StudyContext,
        words: list[list[float]],
        targets: list[int],
        rng: np.random.Generator,
    ) -> list[Faithfulness]:
        return note_deletion(
            self.model,
            context,
            words,
            targets,
            fraction=self.settings.deletion_fraction,
            draws=self.settings.random_draws,
            pad_token_id=self.predictor.tokenizer.pad_token_id,
            rng=rng,
        )

    def _heatmap(self, context: StudyContext, grid_map: torch.Tensor) -> np.ndarray:
        assert context.display_image is not None
        height, width = context.display_image.shape
        return unit_scale(to_image_grid(grid_map, height, width))

    def _fused(self, context: StudyContext) -> FusionOutput:
        """The model's output for the study, from the features already computed."""
        with torch.inference_mode():
            return self.model.fusion(
                context.feature_map,
                context.pooled,
                context.image_present,
                context.note_tokens,
                context.note_mask,
            )


def _shares(image: float, note: float, context: StudyContext) -> dict[str, float]:
    """|image| / (|image| + |note|) and the rest; an absent modality gets exactly 0."""
    if not context.has_note:
        return {"image": 1.0, "note": 0.0}
    if not context.has_image:
        return {"image": 0.0, "note": 1.0}
    total = abs(image) + abs(note)
    share = abs(image) / total if total > 0 else 0.5
    return {"image": share, "note": 1.0 - share}
