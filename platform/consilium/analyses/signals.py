"""Worker start-up: refuse unsafe GPU settings; recover work a dead worker left behind; load the
active model before the first analysis asks for it."""

from __future__ import annotations

import logging
import time

from celery.signals import worker_init, worker_ready, worker_shutdown
from django.conf import settings

logger = logging.getLogger(__name__)
_heartbeats: list = []


class UnsafeWorkerSettings(RuntimeError):
    pass


@worker_init.connect
def refuse_parallel_gpu_worker(sender=None, **kwargs) -> None:
    """A GPU worker runs one task at a time and reserves no more: the model fills the device."""
    if not str(settings.ML_DEVICE).startswith("cuda") or sender is None:
        return
    concurrency = int(getattr(sender, "concurrency", 1) or 1)
    prefetch = int(sender.app.conf.worker_prefetch_multiplier or 1)
    if concurrency > 1 or prefetch > 1:
        raise UnsafeWorkerSettings(
            f"ML_DEVICE={settings.ML_DEVICE} needs -P solo (or -c 1) and --prefetch-multiplier 1; "
            f"got concurrency {concurrency}, prefetch {prefetch}."
        )


@worker_ready.connect
def recover_orphaned_analyses(sender=None, **kwargs) -> None:
    from consilium.analyses.services import analysis_recover_orphans
    from consilium.explanations.services import explanation_recover_orphans

    hostname = getattr(sender, "hostname", "") or ""
    analysis_recover_orphans(worker=hostname)
    explanation_recover_orphans(worker=hostname)


@worker_ready.connect
def start_heartbeat(sender=None, **kwargs) -> None:
    """A thread that keeps /health/ green while a solo worker is busy with a long task."""
    from consilium.core.health import WorkerHeartbeat

    heartbeat = WorkerHeartbeat(getattr(sender, "hostname", "") or "worker")
    heartbeat.start()
    _heartbeats.append(heartbeat)


@worker_shutdown.connect
def stop_heartbeat(sender=None, **kwargs) -> None:
    while _heartbeats:
        heartbeat = _heartbeats.pop()
        heartbeat.stop()
        heartbeat.join(timeout=2)


@worker_ready.connect
def preload_active_model(sender=None, **kwargs) -> None:
    """Load the active model version before the worker takes its first task, so the first
    analysis after a (re)start does not pay for the weights (connected after the heartbeat, so
    /health/ sees the worker while it loads).

    In the worker's own thread, not a background one: MONAI and transformers import their
    submodules lazily and not thread-safely, and a task importing them while a loader thread did
    failed with ImportError.
    """
    if not settings.ML_PRELOAD:
        return
    from consilium.analyses.inference import model_preload
    from consilium.registry.selectors import model_version_active

    try:
        version = model_version_active()
        if version is None:
            logger.info("No active model version to preload.")
            return
        started = time.monotonic()
        model_preload(version.checkpoint_dir)
        logger.info(
            "Preloaded model %s %s in %.1f s.",
            version.name,
            version.version,
            time.monotonic() - started,
        )
    except Exception:  # the first analysis retries the load and fails with the reason
        logger.exception("Could not preload the active model version.")
