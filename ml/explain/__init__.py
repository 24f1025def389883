"""Explanations of predictions with Captum (no Django): see :mod:`ml.explain.explainer`."""

from ml.explain.explainer import Explainer, ExplainSettings
from ml.explain.types import (
    Faithfulness,
    FindingExplanation,
    ModalityContribution,
    WordAttribution,
)

__all__ = [
    "ExplainSettings",
    "Explainer",
    "Faithfulness",
    "FindingExplanation",
    "ModalityContribution",
    "WordAttribution",
]
