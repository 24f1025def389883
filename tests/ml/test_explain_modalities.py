"""Modality shares of the trained demo model follow how the synthetic data was built.

In the synthetic cohort (``ml.synthetic.cohort.FINDING_SOURCES``) some findings are defined by
the image alone and one by the note alone. For those, Integrated Gradients over the fusion
inputs should give the defining modality most of the credit, on average over unseen studies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ml.dataset import read_labelled_set
from ml.explain import Explainer, ExplainSettings
from ml.inference import Predictor, StudyInput
from ml.synthetic import generate_synthetic_set
from ml.synthetic.cohort import FINDING_SOURCES

pytestmark = pytest.mark.slow

IMAGE_ONLY = [f for f, source in FINDING_SOURCES.items() if source == "image"]
NOTE_ONLY = [f for f, source in FINDING_SOURCES.items() if source == "note"]


def test_defining_modality_gets_most_of_the_credit(demo_checkpoint: Path, tmp_path: Path) -> None:
    generate_synthetic_set(tmp_path, n=16, seed=4711)  # a seed the demo never trained on
    predictor = Predictor.load(demo_checkpoint, device="cpu")
    explainer = Explainer(predictor, ExplainSettings(modality_steps=32))
    image_shares, note_shares = [], []
    for study in read_labelled_set(tmp_path).studies:
        contributions = explainer.modality_contributions(
            StudyInput(list(study.dicom_paths), study.note), IMAGE_ONLY + NOTE_ONLY
        )
        for contribution in contributions:
            if contribution.finding in IMAGE_ONLY:
                image_shares.append(contribution.shares["image"])
            else:
                note_shares.append(contribution.shares["note"])
            assert contribution.completeness_relative < 0.05
    print(f"image share (image-only findings) {np.mean(image_shares):.3f}; "
          f"note share (note-only findings) {np.mean(note_shares):.3f}")  # fmt: skip
    assert np.mean(image_shares) > 0.6
    assert np.mean(note_shares) > 0.6
