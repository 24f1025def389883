#!/usr/bin/env python
"""Django's command-line utility for Consilium."""

import os
import sys
from pathlib import Path

# platform/ is a source root (like src/), never a package: appending keeps stdlib `platform` first.
sys.path.append(str(Path(__file__).resolve().parent / "platform"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
