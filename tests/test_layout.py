"""platform/ is a source root: `import platform` stays the standard library's from every entry point."""

from __future__ import annotations

import platform
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def test_platform_has_no_init() -> None:
    assert not (REPO_ROOT / "platform" / "__init__.py").exists()


def test_pytest_sees_stdlib_platform() -> None:
    assert Path(platform.__file__).resolve().parent == STDLIB
    assert platform.system()


def test_manage_py_sees_stdlib_platform() -> None:
    output = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-v",
            "0",
            "-c",
            "import platform; print(platform.__file__)",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(output).resolve().parent == STDLIB


def test_celery_entry_point_sees_stdlib_platform() -> None:
    # `celery report` loads the app and calls platform.system()/architecture().
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "consilium", "report"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "platform -> system:Linux" in result.stdout


def test_celery_worker_process_sees_stdlib_platform(celery_worker_process) -> None:
    from consilium.celery import app

    replies = app.control.inspect(destination=[celery_worker_process.hostname], timeout=5).report()
    report = replies[celery_worker_process.hostname]["ok"]
    assert "platform -> system:Linux" in report
