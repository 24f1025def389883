"""ml imports nothing from Django or consilium, from any of its modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import importlib, pkgutil, sys
import ml
names = ["ml"] + [m.name for m in pkgutil.walk_packages(ml.__path__, "ml.")]
for name in names:
    importlib.import_module(name)
leaks = sorted(m for m in sys.modules if m.split(".")[0] in ("django", "consilium", "rest_framework"))
assert not leaks, leaks
assert len(names) > 15, names
print(len(names))
"""


def test_ml_imports_no_django_or_consilium() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
