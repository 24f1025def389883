"""What every benchmark result shares: what it was measured on, and how it is printed and kept
(bench scripts import this as a sibling module)."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_fields() -> dict[str, object]:
    """The fields every benchmark's JSON ends with, so results say what they ran on."""
    return {
        "python": platform.python_version(),
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def emit(result: dict[str, object], out: Path | None) -> None:
    """Print ``result`` as JSON on stdout and, with ``out``, also write it there."""
    text = json.dumps(result, indent=2)
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")
