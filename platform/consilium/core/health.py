"""Liveness of what an analysis needs: the database, the broker and at least one worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection


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


def _workers() -> dict:
    from consilium.celery import app

    replies = app.control.ping(timeout=1.0) or []
    names = sorted(name for reply in replies for name in reply)
    if not names:
        raise RuntimeError("no worker answered within 1 s")
    return {"workers": names}


def health_report() -> HealthReport:
    report = HealthReport()
    _check(report, "database", _database)
    _check(report, "broker", _broker)
    if report.checks["broker"]["ok"]:
        _check(report, "worker", _workers)
    else:
        report.checks["worker"] = {"ok": False, "error": "broker unreachable"}
    return report
