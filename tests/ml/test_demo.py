"""ensure_demo_checkpoint: fast when a checkpoint exists, atomic when it writes one.

(Training the demo model itself takes minutes; it is measured, not run, in the test suite.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from ml.checkpoint import CARD_FILE, read_model_card
from ml.demo import demo_train_config, ensure_demo_checkpoint

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_existing_checkpoint_is_returned_without_torch(untrained_checkpoint: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from ml.demo import ensure_demo_checkpoint; "
        f"path = ensure_demo_checkpoint(Path({str(untrained_checkpoint)!r}), progress=False); "
        f"assert path == Path({str(untrained_checkpoint)!r}); "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=60)


def test_finished_partial_replaces_an_unreadable_checkpoint(
    untrained_checkpoint: Path, tmp_path: Path
) -> None:
    target = tmp_path / "demo"
    shutil.copytree(untrained_checkpoint, target)
    card = json.loads((target / CARD_FILE).read_text())
    (target / CARD_FILE).write_text(json.dumps({**card, "card_version": 99}))
    # a run that trained into the partial directory but died before the rename
    shutil.copytree(untrained_checkpoint, tmp_path / ".demo.partial")
    assert ensure_demo_checkpoint(target, progress=False) == target
    assert read_model_card(target).card_version == 1
    assert not (tmp_path / ".demo.partial").exists()
    assert json.loads((tmp_path / ".demo.stale" / CARD_FILE).read_text())["card_version"] == 99


def test_demo_recipe_is_labelled(tmp_path: Path) -> None:
    config = demo_train_config(tmp_path / "data", tmp_path / "out")
    assert config.recipe == "demo"
    assert (
        config.disclaimer == "Demonstration model trained on synthetic data — not for clinical use"
    )
    assert config.freeze_text_encoder
