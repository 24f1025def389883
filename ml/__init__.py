"""Consilium's machine-learning core: DICOM + clinical note → multi-label findings.

The package takes file paths, arrays and strings and returns dataclasses. It imports nothing from
Django or ``consilium``; the platform reaches it through :mod:`ml.inference` (predictions) and
:mod:`ml.checkpoint` (model cards).
"""

__version__ = "0.1.0"

DEMO_DISCLAIMER = "Demonstration model trained on synthetic data — not for clinical use"
SYNTHETIC_LABEL = "synthetic, not clinical data"
