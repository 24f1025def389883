"""Multi-label classification metrics in numpy: AUROC, AUPRC, ECE, F1-optimal thresholds.

A metric that is undefined for a finding (e.g. AUROC when the set has no positive) is ``None``
in the per-finding report and left out of the macro average.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks with ties given their average rank."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    sorted_values = values[order]
    boundaries = np.flatnonzero(np.diff(sorted_values)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(values)]])
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = 0.5 * (start + end - 1) + 1
    return ranks


def auroc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney U); ``None`` without both classes."""
    labels = np.asarray(labels).astype(bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        return None
    ranks = _ranks(np.asarray(scores, dtype=np.float64))
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def auprc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Average precision (step-wise area under precision-recall); ``None`` without positives."""
    labels = np.asarray(labels).astype(bool)
    if labels.sum() == 0:
        return None
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
    sorted_scores = np.asarray(scores, dtype=np.float64)[order]
    hits = labels[order]
    true_pos = np.cumsum(hits)
    # evaluate only at the last index of each tied score block
    last = np.concatenate([np.flatnonzero(np.diff(sorted_scores)), [len(hits) - 1]])
    precision = true_pos[last] / (last + 1)
    recall = true_pos[last] / labels.sum()
    recall_steps = np.diff(np.concatenate([[0.0], recall]))
    return float((precision * recall_steps).sum())


def expected_calibration_error(
    labels: np.ndarray, probabilities: np.ndarray, bins: int = 10
) -> float:
    """ECE over ``bins`` equal-width probability bins, weighted by bin size."""
    labels = np.asarray(labels, dtype=np.float64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    index = np.minimum((probabilities * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        in_bin = index == b
        if in_bin.any():
            error += in_bin.mean() * abs(probabilities[in_bin].mean() - labels[in_bin].mean())
    return float(error)


def f1_optimal_threshold(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The probability cut-off that maximises F1 on these labels (0.5 without positives)."""
    labels = np.asarray(labels).astype(bool)
    if labels.sum() == 0 or labels.all():
        return 0.5
    candidates = np.unique(np.asarray(probabilities, dtype=np.float64))
    best_threshold, best_f1 = 0.5, -1.0
    for threshold in candidates:
        predicted = probabilities >= threshold
        true_pos = float((predicted & labels).sum())
        f1 = 2 * true_pos / (predicted.sum() + labels.sum())
        if f1 > best_f1:
            best_threshold, best_f1 = float(threshold), f1
    return best_threshold


def _mean(values: Sequence[float | None]) -> float | None:
    defined = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.mean(defined)) if defined else None


def multilabel_report(
    labels: np.ndarray,
    probabilities: np.ndarray,
    findings: Sequence[str],
    thresholds: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Macro and per-finding metrics for (N, K) labels and probabilities.

    Returns ``{"macro_auroc", "macro_auprc", "ece", "n_studies", "per_finding": {finding: {...}}}``
    where ``ece`` is the mean of the per-finding ECEs.
    """
    labels = np.asarray(labels, dtype=np.float64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    per_finding: dict[str, dict[str, Any]] = {}
    for k, finding in enumerate(findings):
        entry: dict[str, Any] = {
            "auroc": auroc(labels[:, k], probabilities[:, k]),
            "auprc": auprc(labels[:, k], probabilities[:, k]),
            "ece": expected_calibration_error(labels[:, k], probabilities[:, k]),
            "prevalence": float(labels[:, k].mean()),
        }
        if thresholds is not None:
            predicted = probabilities[:, k] >= thresholds[k]
            positive = labels[:, k].astype(bool)
            true_pos = float((predicted & positive).sum())
            entry["threshold"] = float(thresholds[k])
            entry["sensitivity"] = true_pos / positive.sum() if positive.any() else None
            entry["specificity"] = (
                float((~predicted & ~positive).sum()) / (~positive).sum()
                if (~positive).any()
                else None
            )
        per_finding[finding] = entry
    return {
        "macro_auroc": _mean([e["auroc"] for e in per_finding.values()]),
        "macro_auprc": _mean([e["auprc"] for e in per_finding.values()]),
        "ece": _mean([e["ece"] for e in per_finding.values()]),
        "n_studies": int(labels.shape[0]),
        "per_finding": per_finding,
    }
