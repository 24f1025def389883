"""Liveness of what an analysis needs: the database, the broker and at least one worker.

A worker answers pings between tasks only: a solo (GPU) worker explaining a study is deaf for
as long as that takes. So each worker also writes a heartbeat to the broker from a thread of its
own (`WorkerHeartbeat`), and a worker that sent one lately counts as alive and busy.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field

from django.db import connection

logger = logging.getLogger(__name__)

HEARTBEAT_PREFIX = "consilium:worker-heartbeat:"
HEARTBEAT_INTERVAL_S = 5.0
HEARTBEAT_TTL_S = 20


@dataclass
class HealthReport:
    checks: dict[str, dict] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return all(check["ok"] for check in self.checks.values())


def _check(report: HealthReport, name: str, probe) -> None:
    try:
        detail = probe()
    except Exception as error:
        report.checks[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    else:
        report.checks[name] = {"ok": True, **(detail or {})}


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _broker() -> dict:
    from consilium.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        client = conn.default_channel.client
        client.ping()
    return {}


@contextlib.contextmanager
def _broker_redis():
    from consilium.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        yield conn.default_channel.client


def _busy_workers() -> list[str]:
    with _broker_redis() as client:
        keys = client.scan_iter(match=f"{HEARTBEAT_PREFIX}*", count=100)
        names = (key.decode() if isinstance(key, bytes) else key for key in keys)
        return sorted(name[len(HEARTBEAT_PREFIX) :] for name in names)


def _workers() -> dict:
    from consilium.celery import app

    replies = app.control.ping(timeout=1.0) or []
    answered = {name for reply in replies for name in reply}
    busy = set(_busy_workers()) - answered
    if not answered and not busy:
        raise RuntimeError(
            f"no worker answered within 1 s or sent a heartbeat in {HEARTBEAT_TTL_S} s"
        )
    return {"workers": sorted(answered | busy), "busy": sorted(busy)}


class WorkerHeartbeat(threading.Thread):
    """Marks a worker alive in the broker every few seconds, whatever task it is running."""

    def __init__(self, hostname: str) -> None:
        super().__init__(name="consilium-heartbeat", daemon=True)
        self.key = f"{HEARTBEAT_PREFIX}{hostname}"
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                with _broker_redis() as client:
                    while not self.stopped.is_set():
                        client.set(self.key, str(int(time.time())), ex=HEARTBEAT_TTL_S)
                        self.stopped.wait(HEARTBEAT_INTERVAL_S)
                    client.delete(self.key)
            except Exception as error:  # the broker is away: health says so; try again later
                logger.warning("Worker heartbeat failed: %s", type(error).__name__)
                self.stopped.wait(HEARTBEAT_INTERVAL_S)

    def stop(self) -> None:
        self.stopped.set()


def health_report() -> HealthReport:
    report = HealthReport()
    _check(report, "database", _database)
    _check(report, "broker", _broker)
    if report.checks["broker"]["ok"]:
        _check(report, "worker", _workers)
    else:
        report.checks["worker"] = {"ok": False, "error": "broker unreachable"}
    return report
