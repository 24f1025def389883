"""Seconds per study for the worker to clear a backlog of queued analyses, batched and one by one.

Seeds a throw-away database (Django's test database for the configured one: SQLite under a
temporary VAR_DIR by default, or ``test_<name>`` on the server ``DATABASE_URL`` names; destroyed
at the end) with ``--studies`` synthetic studies (synthetic, not clinical data), ingested through
the platform's own door (`instance_ingest` and `note_ingest`, de-identification included), and
one queued analysis each by ``--checkpoint`` (default: an untrained model at the demo's image
size, the same cost as the trained one).

Then, for each ``ML_BATCH_SIZE`` of ``--batch-sizes`` (default 1 and 32), every analysis is put
back to queued and `analysis_execute` is called once per analysis, in the order their messages
would arrive, as the worker's task does: the first call of a batch claims and predicts it, the
calls of its batch-mates find them finished. Everything the task does is timed: the claim, the
study's inputs from the database, the model, the predictions written and the explanations of
positive findings queued (on an in-memory broker, so nothing runs them). One warm-up pass loads
the model first.

    .venv/bin/python bench/backlog.py [--studies 64] [--batch-sizes 1,32] [--checkpoint DIR]
        [--out bench/results/backlog.json]

Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# platform/ is a source root; appended so that the standard library's `platform` stays first.
sys.path.append(str(REPO_ROOT / "platform"))
sys.path.append(str(REPO_ROOT))

from machine import emit, machine_fields  # noqa: E402  (bench/ is sys.path[0] when a script runs)
from workload import model_and_studies  # noqa: E402

from ml.demo import DEMO_IMAGE_SIZE  # noqa: E402


def seed(root: Path, *, studies: int, checkpoint: Path | None) -> list[str]:
    """Ingest the synthetic studies and queue one analysis each; returns their ids, oldest first."""
    from consilium.accounts.services import site_get_or_create
    from consilium.analyses.models import Analysis
    from consilium.imaging.models import Study
    from consilium.imaging.services import instance_ingest, note_ingest
    from consilium.registry.services import model_version_register

    chosen, inputs = model_and_studies(
        root, checkpoint=checkpoint, image_size=DEMO_IMAGE_SIZE, studies=studies, seed=321
    )
    model = model_version_register(checkpoint_dir=chosen, activate=True)
    site = site_get_or_create(slug="bench", name="Bench hospital")
    import pydicom

    for study in inputs:
        for path in study.dicom_paths:
            with open(path, "rb") as source:
                outcome = instance_ingest(site=site, actor=None, source=source)
            if not outcome.succeeded:
                raise RuntimeError(f"{path} was not stored: {outcome.failure_comment}")
        if study.note:
            sent_uid = pydicom.dcmread(study.dicom_paths[0], stop_before_pixels=True)
            note_ingest(
                site=site, actor=None, study_uid_as_sent=sent_uid.StudyInstanceUID, text=study.note
            )
    ids = []
    for row in Study.objects.filter(site=site).order_by("id"):
        ids.append(str(Analysis.objects.create(site=site, study=row, model_version=model).pk))
    return ids


def clear_backlog(analysis_ids: list[str], batch_size: int) -> dict[str, float]:
    """Queue every analysis again, then deliver each one's message once; seconds per study."""
    from django.conf import settings

    from consilium.analyses.models import Analysis, AnalysisStatus, Prediction
    from consilium.analyses.services import analysis_execute
    from consilium.explanations.models import Explanation

    Explanation.objects.filter(analysis_id__in=analysis_ids).delete()
    Prediction.objects.filter(analysis_id__in=analysis_ids).delete()
    Analysis.objects.filter(pk__in=analysis_ids).update(
        status=AnalysisStatus.QUEUED, claimed_by="", attempt=0
    )
    settings.ML_BATCH_SIZE = batch_size
    started = time.perf_counter()
    for index, analysis_id in enumerate(analysis_ids):
        analysis_execute(analysis_id=analysis_id, worker="bench", claim=f"task-{index}")
    wall = time.perf_counter() - started
    rows = Analysis.objects.filter(pk__in=analysis_ids)
    succeeded = rows.filter(status=AnalysisStatus.SUCCEEDED).count()
    return {
        "batch_size": batch_size,
        "wall_s_per_study": wall / len(analysis_ids),
        "studies_per_s": len(analysis_ids) / wall,
        "succeeded": succeeded,
        "claims": rows.values("claimed_by").distinct().count(),
    }


def run(args: argparse.Namespace, root: Path) -> dict[str, object]:
    from django.conf import settings

    analysis_ids = seed(root, studies=args.studies, checkpoint=args.checkpoint)
    sizes = [int(size) for size in args.batch_sizes.split(",") if size.strip()]
    clear_backlog(analysis_ids, max(sizes))  # warm-up: loads the model, fills caches
    rows = [clear_backlog(analysis_ids, size) for size in sizes]
    for row in rows:
        print(f"ML_BATCH_SIZE {row['batch_size']}: {row['studies_per_s']:.1f} studies/s",
              file=sys.stderr)  # fmt: skip
    one = next((r for r in rows if r["batch_size"] == 1), None)
    return {
        "benchmark": "backlog",
        "studies": len(analysis_ids),
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "ml_device": settings.ML_DEVICE,
        "ml_precision": settings.ML_PRECISION,
        "by_batch_size": rows,
        "speedup_over_one_by_one": {
            str(r["batch_size"]): one["wall_s_per_study"] / r["wall_s_per_study"] for r in rows
        }
        if one
        else None,
        **machine_fields(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--studies", type=int, default=64)
    parser.add_argument("--batch-sizes", default="1,32")
    parser.add_argument("--checkpoint", type=Path, help="default: an untrained checkpoint")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)

    with contextlib.ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-backlog-")))
        os.environ["VAR_DIR"] = str(root / "var")
        os.environ["CELERY_BROKER_URL"] = "memory://"  # tasks are queued, never run
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
        import django

        django.setup()
        from django.db import connection

        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            result = run(args, root)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    emit(result, args.out)


if __name__ == "__main__":
    main()
