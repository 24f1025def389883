"""Latent variables of a synthetic cohort (synthetic, not clinical data) and the labels they imply.

Each study draws hidden facts — what its image shows and what its note says — and the labels
follow from them. Some findings need both modalities:

=============  ==========================================================================
finding        defined as
=============  ==========================================================================
cardiomegaly   image: cardiothoracic ratio above 0.5
effusion       image: fluid at one or both lung bases
nodule         image: a small round density in a lung
pneumothorax   image: apical-lateral rim without lung markings, visible pleural line
opacity        image: patchy airspace density
pneumonia      opacity in the image AND infective symptoms in the note
edema          opacity in the image AND a heart-failure history in the note
copd           note only: documented COPD (nothing in the image)
=============  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FINDINGS: tuple[str, ...] = (
    "cardiomegaly",
    "effusion",
    "nodule",
    "pneumothorax",
    "opacity",
    "pneumonia",
    "edema",
    "copd",
)

FINDING_SOURCES: dict[str, str] = {
    "cardiomegaly": "image",
    "effusion": "image",
    "nodule": "image",
    "pneumothorax": "image",
    "opacity": "image",
    "pneumonia": "image and note",
    "edema": "image and note",
    "copd": "note",
}


@dataclass(frozen=True)
class Cohort:
    """Per-study latent variables, each an array of length n (synthetic, not clinical data).

    Geometry is in image-width units (the image spans [0, 1] both ways); sides are -1 for the
    patient's right (image left on a PA view) and +1 for the patient's left.
    """

    # what the note tells
    age: np.ndarray
    female: np.ndarray
    infective: np.ndarray
    heart_failure: np.ndarray
    copd: np.ndarray
    # what the image shows
    cardiomegaly: np.ndarray
    cardiothoracic_ratio: np.ndarray
    effusion: np.ndarray
    effusion_sides: np.ndarray  # (n, 2) bool: right, left
    effusion_height: np.ndarray
    nodule: np.ndarray
    nodule_side: np.ndarray
    nodule_position: np.ndarray  # (n, 2) lung-normalised (x lateral, y caudal), in [-1, 1]
    nodule_radius: np.ndarray
    nodule_density: np.ndarray
    pneumothorax: np.ndarray
    pneumothorax_side: np.ndarray
    pneumothorax_depth: np.ndarray
    opacity: np.ndarray
    opacity_blobs: np.ndarray  # (n, 2) bool: which of two candidate blobs are drawn
    opacity_side: np.ndarray  # (n, 2)
    opacity_position: np.ndarray  # (n, 2, 2)
    opacity_sigma: np.ndarray  # (n, 2)
    opacity_density: np.ndarray  # (n, 2)
    # patient habitus and acquisition
    scale: np.ndarray
    shift: np.ndarray  # (n, 2) x, y
    exposure_gain: np.ndarray
    exposure_offset: np.ndarray
    exposure_tilt: np.ndarray
    noise_level: np.ndarray

    @property
    def size(self) -> int:
        return int(self.age.shape[0])

    def labels(self) -> np.ndarray:
        """(n, len(FINDINGS)) 0/1 labels in :data:`FINDINGS` order."""
        columns = {
            "cardiomegaly": self.cardiomegaly,
            "effusion": self.effusion,
            "nodule": self.nodule,
            "pneumothorax": self.pneumothorax,
            "opacity": self.opacity,
            "pneumonia": self.opacity & self.infective,
            "edema": self.opacity & self.heart_failure,
            "copd": self.copd,
        }
        return np.stack([columns[f] for f in FINDINGS], axis=1).astype(np.int64)


def sample_cohort(rng: np.random.Generator, n: int) -> Cohort:
    """Draw ``n`` studies' latent variables; every draw has a fixed order, so a seed fixes all."""
    age = rng.integers(22, 92, n)
    female = rng.random(n) < 0.5
    heart_failure = rng.random(n) < 0.3
    infective = rng.random(n) < 0.4
    copd = rng.random(n) < 0.25
    # heart failure makes a big heart and effusions likelier, as it does in the wards
    cardiomegaly = rng.random(n) < np.where(heart_failure, 0.5, 0.15)
    ctr = np.where(cardiomegaly, rng.uniform(0.56, 0.68, n), rng.uniform(0.36, 0.47, n))
    effusion = rng.random(n) < np.where(heart_failure, 0.35, 0.15)
    side_draw = rng.integers(0, 3, n)  # right, left, both
    effusion_sides = np.stack([side_draw != 1, side_draw != 0], axis=1) & effusion[:, None]
    effusion_height = rng.uniform(0.12, 0.3, n)
    nodule = rng.random(n) < 0.2
    nodule_side = rng.choice([-1, 1], n)
    # positions in lung-normalised coordinates: x > 0 is lateral, y > 0 is caudal
    nodule_position = np.stack([rng.uniform(-0.3, 0.6, n), rng.uniform(-0.45, 0.35, n)], axis=1)
    nodule_radius = rng.uniform(0.026, 0.038, n)
    nodule_density = rng.uniform(0.32, 0.46, n)
    pneumothorax = rng.random(n) < 0.15
    pneumothorax_side = rng.choice([-1, 1], n)
    pneumothorax_depth = rng.uniform(0.22, 0.42, n)
    # infection and heart failure both fill airspaces, so they make an opacity likelier
    opacity = rng.random(n) < np.where(infective | heart_failure, 0.55, 0.2)
    opacity_blobs = np.stack([np.ones(n, bool), rng.random(n) < 0.4], axis=1) & opacity[:, None]
    opacity_side = rng.choice([-1, 1], (n, 2))
    opacity_position = np.stack(
        [rng.uniform(-0.3, 0.5, (n, 2)), rng.uniform(-0.4, 0.45, (n, 2))], axis=2
    )
    opacity_sigma = rng.uniform(0.045, 0.08, (n, 2))
    opacity_density = rng.uniform(0.16, 0.3, (n, 2))
    return Cohort(
        age=age,
        female=female,
        infective=infective,
        heart_failure=heart_failure,
        copd=copd,
        cardiomegaly=cardiomegaly,
        cardiothoracic_ratio=ctr,
        effusion=effusion,
        effusion_sides=effusion_sides,
        effusion_height=effusion_height,
        nodule=nodule,
        nodule_side=nodule_side,
        nodule_position=nodule_position,
        nodule_radius=nodule_radius,
        nodule_density=nodule_density,
        pneumothorax=pneumothorax,
        pneumothorax_side=pneumothorax_side,
        pneumothorax_depth=pneumothorax_depth,
        opacity=opacity,
        opacity_blobs=opacity_blobs,
        opacity_side=opacity_side,
        opacity_position=opacity_position,
        opacity_sigma=opacity_sigma,
        opacity_density=opacity_density,
        scale=rng.uniform(0.9, 1.04, n),
        shift=rng.uniform(-0.025, 0.025, (n, 2)),
        exposure_gain=rng.uniform(0.85, 1.1, n),
        exposure_offset=rng.uniform(-0.03, 0.05, n),
        exposure_tilt=rng.uniform(-0.05, 0.05, n),
        noise_level=rng.uniform(0.008, 0.02, n),
    )
