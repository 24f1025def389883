from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from consilium.registry.models import ModelVersion

pytestmark = pytest.mark.django_db


def test_active_model_prints_the_checkpoint_directory(checkpoint_dir) -> None:
    with pytest.raises(CommandError, match="No model is active"):
        call_command("active_model")
    call_command("register_model", str(checkpoint_dir), stdout=io.StringIO())
    out = io.StringIO()
    call_command("active_model", stdout=out)
    assert out.getvalue().strip() == str(checkpoint_dir.resolve())


def test_only_one_model_is_active(checkpoint_dir, tmp_path) -> None:
    import shutil

    second = tmp_path / "second"
    shutil.copytree(checkpoint_dir, second)
    card = json.loads((second / "model_card.json").read_text())
    card["version"] = card["version"] + "-b"
    (second / "model_card.json").write_text(json.dumps(card))
    call_command("register_model", str(checkpoint_dir), stdout=io.StringIO())
    call_command("register_model", str(second), stdout=io.StringIO())
    assert ModelVersion.objects.filter(is_active=True).get().checkpoint_dir == str(second.resolve())


def test_register_refuses_a_directory_without_a_card(tmp_path) -> None:
    with pytest.raises(CommandError):
        call_command("register_model", str(tmp_path), stdout=io.StringIO())
