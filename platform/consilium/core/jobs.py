"""What analyses and explanations share as jobs: their statuses and the one way a status changes.

The database is the source of truth for every job; a task only carries ids. A job moves through
``TRANSITIONS``; :func:`job_update_status` refuses anything else.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)
TRANSITIONS: dict[str, set[str]] = {
    JobStatus.QUEUED: {JobStatus.RUNNING, JobStatus.FAILED},
    JobStatus.RUNNING: {
        JobStatus.RUNNING,  # a redelivered message after a worker died
        JobStatus.QUEUED,  # recovered after its worker died
        JobStatus.SUCCEEDED,
        JobStatus.FAILED,
    },
    JobStatus.SUCCEEDED: set(),
    JobStatus.FAILED: {JobStatus.QUEUED},  # asked for again
}


class JobStateError(RuntimeError):
    """A transition the state machine does not allow: a programming error."""


class _Job(Protocol):
    pk: object
    status: str

    def save(self, *, update_fields: list[str]) -> None: ...


J = TypeVar("J", bound=_Job)


def job_can_move_to(current: str, status: str) -> bool:
    return status in TRANSITIONS[current]


def job_update_status(job: J, status: str, **fields: object) -> J:
    """The one place a job's status changes. The caller holds the row lock."""
    if not job_can_move_to(job.status, status):
        raise JobStateError(
            f"{type(job).__name__} {job.pk}: {job.status} -> {status} is not allowed."
        )
    job.status = status
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=["status", *fields.keys()])
    return job
