"""Vectorised rendering of CXR-like PA chest images (synthetic, not clinical data).

Bright means dense, as on a MONOCHROME2 radiograph: air-filled lungs are dark, heart,
mediastinum, bones, diaphragm and fluid are bright. Every array below has a leading batch axis
(B studies), so a chunk of studies is drawn with a handful of numpy operations.
"""

from __future__ import annotations

import numpy as np

from ml.synthetic.cohort import Cohort

_LUNG_OFFSET = 0.185  # lung centre distance from the midline
_LUNG_HALF_WIDTH = 0.145
_LUNG_HALF_HEIGHT = 0.30
_LUNG_CENTRE_Y = 0.46
_RIBS_PER_SIDE = 9


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * values))


def smooth_noise(rng: np.random.Generator, batch: int, size: int, sigma: float) -> np.ndarray:
    """(B, size, size) Gaussian-filtered white noise, unit variance; ``sigma`` in image widths."""
    white = rng.standard_normal((batch, size, size)).astype(np.float32)
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    kernel = np.exp(-2.0 * (np.pi * sigma * size) ** 2 * (fx**2 + fy**2))
    field = np.fft.irfft2(np.fft.rfft2(white) * kernel, s=(size, size)).astype(np.float32)
    return field / (field.std(axis=(1, 2), keepdims=True) + 1e-6)


def _composite(image: np.ndarray, mask: np.ndarray, value: float | np.ndarray) -> np.ndarray:
    """Lay ``value`` over ``image`` with per-pixel opacity ``mask`` in [0, 1]."""
    return image * (1.0 - mask) + value * mask


def render_radiographs(
    cohort: Cohort, studies: slice, rng: np.random.Generator, matrix: int
) -> np.ndarray:
    """Draw the studies ``studies`` of ``cohort`` → (B, matrix, matrix) float32 in [0, 1]."""

    def col(values: np.ndarray) -> np.ndarray:
        return values[studies].astype(np.float32)[:, None, None]

    coords = (np.arange(matrix, dtype=np.float32) + 0.5) / matrix
    y = coords[None, :, None]
    x = coords[None, None, :]
    scale = col(cohort.scale)
    mid_x = 0.5 + col(cohort.shift[:, 0])
    mid_y = col(cohort.shift[:, 1])
    batch = scale.shape[0]
    lung_texture = smooth_noise(rng, batch, matrix, 0.009)
    opacity_texture = smooth_noise(rng, batch, matrix, 0.012)
    grain = rng.standard_normal((batch, matrix, matrix)).astype(np.float32)

    # body: soft-tissue ellipse on dark air
    body = _sigmoid(
        (1 - np.hypot((x - mid_x) / (0.43 * scale), (y - 0.56 - mid_y) / (0.56 * scale))) / 0.02
    )
    image = 0.04 + 0.36 * body

    # lungs: ellipses narrowing towards the apex, cut below by the diaphragm dome
    lung_r: dict[int, np.ndarray] = {}
    lung_mask: dict[int, np.ndarray] = {}
    lung_open: dict[int, np.ndarray] = {}  # lung outline ignoring the dome (costophrenic angles)
    centre_y = _LUNG_CENTRE_Y + mid_y
    half_h = _LUNG_HALF_HEIGHT * scale
    for side in (-1, 1):
        centre_x = mid_x + side * _LUNG_OFFSET * scale
        taper = 0.7 + 0.4 * np.clip((y - centre_y + half_h) / (2 * half_h), 0, 1)
        half_w = _LUNG_HALF_WIDTH * scale * taper
        radius = np.hypot((x - centre_x) / half_w, (y - centre_y) / half_h)
        dome = centre_y + 0.86 * half_h - 0.05 * scale * (1 - ((x - centre_x) / half_w) ** 2)
        lung_r[side] = radius
        lung_open[side] = _sigmoid((1 - radius) / 0.04)
        lung_mask[side] = lung_open[side] * _sigmoid((dome - y) / 0.006)
    lungs = lung_mask[-1] + lung_mask[1]
    hilum = np.zeros_like(image)
    for side in (-1, 1):
        hilum_x = (x - mid_x - side * 0.09 * scale) / 0.05
        hilum = hilum + np.exp(-(hilum_x**2 + ((y - centre_y - 0.02) / 0.07) ** 2))
    markings = (
        0.03 * lung_texture * (0.4 + 0.6 * np.clip(1.2 - 0.5 * (lung_r[-1] * lung_r[1]), 0, 1))
    )
    lung_value = 0.13 + markings + 0.08 * hilum
    ptx_side = col(cohort.pneumothorax_side)
    ptx_depth = col(cohort.pneumothorax_depth)
    ptx_present = col(cohort.pneumothorax)
    for side in (-1, 1):
        # pneumothorax: rim between the chest wall and the collapsed lung, upper-lateral part
        radius = lung_r[side]
        upper = _sigmoid((centre_y + 0.35 * half_h - y) / 0.02)
        rim = _sigmoid((radius - (1 - ptx_depth)) / 0.01) * upper
        rim = rim * ptx_present * (ptx_side == side)
        pleural_line = np.exp(-(((radius - (1 - ptx_depth)) / 0.012) ** 2)) * upper
        pleural_line = pleural_line * ptx_present * (ptx_side == side) * (1 - rim * 0.5)
        side_value = _composite(lung_value, rim, 0.03) + 0.18 * pleural_line
        image = _composite(image, lung_mask[side], side_value)

    # opacity: patchy airspace density inside a lung
    for blob in range(2):
        blob_side = col(cohort.opacity_side[:, blob])
        centre_x = mid_x + blob_side * _LUNG_OFFSET * scale
        lateral = col(cohort.opacity_position[:, blob, 0]) * _LUNG_HALF_WIDTH * scale
        blob_x = centre_x + blob_side * lateral
        blob_y = centre_y + col(cohort.opacity_position[:, blob, 1]) * 0.7 * half_h
        sigma = col(cohort.opacity_sigma[:, blob]) * scale
        envelope = np.exp(-((x - blob_x) ** 2 + (y - blob_y) ** 2) / (2 * sigma**2))
        patchy = np.clip(0.55 + 0.45 * opacity_texture, 0, 1.5)
        density = col(cohort.opacity_density[:, blob]) * col(cohort.opacity_blobs[:, blob])
        image = image + density * envelope * patchy * lungs

    # nodule: small round density with a soft edge
    nodule_side = col(cohort.nodule_side)
    centre_x = mid_x + nodule_side * _LUNG_OFFSET * scale
    nod_x = centre_x + nodule_side * col(cohort.nodule_position[:, 0]) * _LUNG_HALF_WIDTH * scale
    nod_y = centre_y + col(cohort.nodule_position[:, 1]) * half_h
    nod_r = col(cohort.nodule_radius) * scale
    nodule = _sigmoid((nod_r - np.hypot(x - nod_x, y - nod_y)) / (0.2 * nod_r))
    image = image + col(cohort.nodule_density) * col(cohort.nodule) * nodule * lungs

    # effusion: fluid filling a lung base, meniscus rising laterally
    for index, side in enumerate((-1, 1)):
        centre_x = mid_x + side * _LUNG_OFFSET * scale
        lateral_share = np.clip(side * (x - centre_x) / (_LUNG_HALF_WIDTH * scale), 0, 1)
        level = centre_y + 0.86 * half_h - col(cohort.effusion_height) * 2 * half_h
        level = level - 0.07 * scale * lateral_share**2
        fluid = _sigmoid((y - level) / 0.008) * lung_open[side]
        fluid = fluid * col(cohort.effusion_sides[:, index])
        image = _composite(image, fluid, 0.5)

    # heart and mediastinum
    thorax_width = 2 * (_LUNG_OFFSET + _LUNG_HALF_WIDTH * 1.1) * scale
    heart_half_w = col(cohort.cardiothoracic_ratio) * thorax_width / 2
    heart_half_h = 0.1 * scale + 0.35 * heart_half_w
    heart_x = mid_x + 0.03 * scale
    heart_y = centre_y + 0.86 * half_h - 0.6 * heart_half_h
    heart = _sigmoid(
        (1 - np.hypot((x - heart_x) / heart_half_w, (y - heart_y) / heart_half_h)) / 0.03
    )
    mediastinum = (
        _sigmoid((0.05 * scale - np.abs(x - mid_x)) / 0.006)
        * _sigmoid((heart_y - y) / 0.01)
        * _sigmoid((y - 0.06 - mid_y) / 0.01)
    )
    image = _composite(image, np.maximum(heart, mediastinum) * 0.9, 0.62)

    # abdomen below the diaphragm
    below = _sigmoid((y - (centre_y + 0.9 * half_h)) / 0.01) * body
    image = _composite(image, below * (1 - lungs), 0.5)

    # bones: spine, posterior ribs, clavicles, laid over the soft tissues
    spine = _sigmoid((0.028 * scale - np.abs(x - mid_x)) / 0.004) * body
    vertebrae = 0.8 + 0.2 * np.cos(2 * np.pi * (y - mid_y) / (0.055 * scale)) ** 2
    image = image + 0.07 * spine * vertebrae
    distance = np.abs(x - mid_x) / scale
    along = _sigmoid((distance - 0.035) / 0.006) * _sigmoid((0.37 - distance) / 0.01)
    above_diaphragm = 1 - below
    for rib in range(_RIBS_PER_SIDE):
        rib_y = 0.17 + 0.062 * rib + mid_y + scale * (-0.05 * distance + 0.9 * distance**2)
        band = np.exp(-(((y - rib_y) / (0.011 * scale)) ** 2))
        image = image + 0.09 * band * along * body * above_diaphragm
    for side in (-1, 1):
        start_x, start_y = mid_x + side * 0.04 * scale, 0.16 + mid_y
        end_x, end_y = mid_x + side * 0.28 * scale, 0.11 + mid_y
        seg_x, seg_y = end_x - start_x, end_y - start_y
        t = np.clip(((x - start_x) * seg_x + (y - start_y) * seg_y) / (seg_x**2 + seg_y**2), 0, 1)
        distance_to = np.hypot(x - start_x - t * seg_x, y - start_y - t * seg_y)
        image = image + 0.12 * np.exp(-((distance_to / (0.012 * scale)) ** 2))

    # acquisition: exposure, heel-effect tilt, quantum noise
    image = image * col(cohort.exposure_gain) + col(cohort.exposure_offset)
    image = image + col(cohort.exposure_tilt) * (x - 0.5)
    image = image + col(cohort.noise_level) * grain
    return np.clip(image, 0.0, 1.0).astype(np.float32)
