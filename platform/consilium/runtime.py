"""Where runtime state lives and how the embedded defaults find each other.

Pure Python (no Django): settings, the `make run` supervisor and the test fixtures share it.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def var_dir() -> Path:
    """Runtime state (SQLite, media, embedded Redis socket, secrets, models): `VAR_DIR` or ./var."""
    path = Path(os.environ.get("VAR_DIR", REPO_ROOT / "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def embedded_redis_socket() -> Path:
    return var_dir() / "redis" / "redis.sock"


def embedded_redis_url() -> str:
    return f"redis+socket://{embedded_redis_socket()}"


def persistent_fernet_key(name: str) -> str:
    """A Fernet key (32 random bytes, urlsafe base64) generated once into var/secrets/<name>."""
    return persistent_secret(name, make=lambda: base64.urlsafe_b64encode(os.urandom(32)).decode())


def persistent_secret(name: str, *, nbytes: int = 48, make=None) -> str:
    """A secret generated once into var/secrets/<name> and reused by every process afterwards."""
    folder = var_dir() / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        value = make() if make is not None else secrets.token_urlsafe(nbytes)
        # O_EXCL: two processes starting at once agree on the first writer's value.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(value)
    return path.read_text().strip()
