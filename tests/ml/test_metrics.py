"""Metrics against hand-worked cases and, where available, scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from ml.metrics import (
    auprc,
    auroc,
    expected_calibration_error,
    f1_optimal_threshold,
    multilabel_report,
)


def test_auroc_hand_worked_with_ties() -> None:
    assert auroc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert auroc(np.array([0, 1]), np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert auroc(np.array([1, 1]), np.array([0.2, 0.3])) is None


def test_against_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    labels = rng.random(200) < 0.3
    scores = np.round(rng.random(200) + labels * 0.4, 2)  # rounding makes ties
    assert auroc(labels, scores) == pytest.approx(metrics.roc_auc_score(labels, scores))
    assert auprc(labels, scores) == pytest.approx(metrics.average_precision_score(labels, scores))


def test_ece_and_threshold() -> None:
    assert expected_calibration_error(np.array([0, 1]), np.array([0.0, 1.0])) == 0.0
    assert expected_calibration_error(np.array([0, 0]), np.array([0.9, 0.9])) == pytest.approx(0.9)
    assert f1_optimal_threshold(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.7, 0.9])) == 0.7


def test_report_shape_and_undefined_findings() -> None:
    labels = np.array([[1, 0], [0, 0], [1, 0]])
    scores = np.array([[0.9, 0.1], [0.2, 0.3], [0.6, 0.2]])
    report = multilabel_report(labels, scores, ["a", "b"], thresholds=[0.5, 0.5])
    assert report["macro_auroc"] == pytest.approx(1.0)  # "b" has no positive: left out
    assert report["per_finding"]["b"]["auroc"] is None
    assert report["per_finding"]["a"]["sensitivity"] == 1.0
    assert set(report) == {"macro_auroc", "macro_auprc", "ece", "n_studies", "per_finding"}
