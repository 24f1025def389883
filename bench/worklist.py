"""Server time and SQL queries of the clinician worklist (`/`) with 10,000 studies at one site.

Seeds a throw-away database with ``--studies`` studies at the measured site (and a tenth as many
at a second site, which the worklist must never show or pay for): pseudonymous patients, one or
two series of one to four instance rows each (no DICOM files), a note for most studies, and an
analysis for most, mostly succeeded (with one prediction per finding of the demo model's list),
some queued, running or failed, and some studies with an older analysis by an earlier model. All
rows go in with ``bulk_create``; created times spread over a year.

The database is Django's test database for the configured one: SQLite under a temporary VAR_DIR
by default (``--var-dir`` to choose it), or ``test_<name>`` on the server ``DATABASE_URL`` names;
it is destroyed at the end. Nothing touches the real database.

Each scenario (default urgency order, the other sorts, each filter, page sizes, a deep page, the
htmx rows partial) is requested ``--repeat`` times, after a warm-up, with Django's test Client and
a logged-in clinician, in this process: the time is the server's (middleware, views, queries,
templates), with no network or browser. The SQL queries of one more request are counted.

    .venv/bin/python bench/worklist.py [--studies 10000] [--repeat 15] [--out bench/results/worklist.json]

Prints one JSON object on stdout; exits with status 1 if any scenario's p95 is over ``--limit-ms``
(300) or its query count depends on the page size.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# platform/ is a source root; appended so that the standard library's `platform` stays first.
sys.path.append(str(REPO_ROOT / "platform"))
sys.path.append(str(REPO_ROOT))

from machine import emit, machine_fields  # noqa: E402  (bench/ is sys.path[0] when a script runs)

from ml.synthetic.cohort import FINDINGS  # noqa: E402  (the demo model's findings)

SCENARIOS: list[tuple[str, str, dict[str, str]]] = [
    ("urgency (default), 50 a page", "/", {}),
    ("urgency, 25 a page", "/?size=25", {}),
    ("urgency, 100 a page", "/?size=100", {}),
    ("urgency, page 100 of 200", "/?page=100", {}),
    ("htmx rows partial (polling)", "/", {"HTTP_HX_REQUEST": "true"}),
    ("newest", "/?sort=newest", {}),
    ("oldest", "/?sort=oldest", {}),
    ("study date", "/?sort=study_date", {}),
    ("status: running", "/?status=running", {}),
    ("status: not analysed", "/?status=none", {}),
    ("positive for pneumothorax", "/?finding=pneumothorax", {}),
    ("modality CT", "/?modality=CT", {}),
    ("study dates in one month", "/?from=2024-03-01&to=2024-03-31", {}),
    ("search: pseudonym prefix", "/?q={pseudonym}", {}),
    ("search: study UID prefix", "/?q={uid}", {}),
    (
        "finding + modality + dates, newest, 100 a page",
        "/?finding=effusion&modality=DX&from=2024-01-01&to=2024-12-31&sort=newest&size=100",
        {},
    ),
]
MODALITIES = ["CR", "DX", "CT", "MR", "CR\\DX", "CT\\MR", "US"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--studies", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--limit-ms", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--var-dir", type=Path, help="default: a temporary directory")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)

    with contextlib.ExitStack() as stack:
        if args.var_dir is None:
            args.var_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        os.environ["VAR_DIR"] = str(args.var_dir)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
        import django

        django.setup()
        from django.db import connection

        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            result = run(args)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    emit(result, args.out)
    return 0 if result["passed"] else 1


@contextlib.contextmanager
def explicit_created_at(*models: type) -> Iterator[None]:
    """Let bulk_create keep the created_at we give (auto_now_add would stamp every row 'now')."""
    fields = [model._meta.get_field("created_at") for model in models]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def seed(*, studies: int, seed: int) -> dict[str, object]:
    """The rows the worklist reads; returns the site, a clinician and a few values to search for."""
    from consilium.accounts.services import site_get_or_create, user_create
    from consilium.analyses.models import Analysis, AnalysisStatus, Prediction
    from consilium.imaging.models import ClinicalNote, Instance, Patient, Series, Study
    from consilium.registry.models import ModelVersion

    rng = random.Random(seed)
    now = datetime.now(UTC)
    old_model = ModelVersion.objects.create(
        name="bench", version="1", checkpoint_dir="-", findings=list(FINDINGS)
    )
    model = ModelVersion.objects.create(
        name="bench", version="2", checkpoint_dir="-", findings=list(FINDINGS), is_active=True
    )
    site = site_get_or_create(slug="bench", name="Bench hospital")
    other = site_get_or_create(slug="elsewhere", name="Another hospital")
    clinician = user_create(site=site, username="bench-clinician", password="bench-password-1")

    counts = {"studies": 0, "series": 0, "instances": 0, "notes": 0, "analyses": 0}
    counts["predictions"] = 0
    with explicit_created_at(Study, Analysis, ClinicalNote, Instance):
        for where, n in ((site, studies), (other, max(studies // 10, 1))):
            patients = Patient.objects.bulk_create(
                [
                    Patient(site=where, pseudonym=f"CSL-{rng.getrandbits(80):020X}")
                    for _ in range(max(n * 2 // 5, 1))
                ],
                batch_size=2000,
            )
            made = Study.objects.bulk_create(
                [
                    Study(
                        site=where,
                        patient=rng.choice(patients),
                        study_instance_uid=f"2.25.{rng.getrandbits(120)}",
                        study_date=date(2023, 6, 1) + timedelta(days=rng.randrange(730)),
                        modalities=rng.choice(MODALITIES),
                        created_at=now - timedelta(seconds=rng.randrange(365 * 86400)),
                    )
                    for _ in range(n)
                ],
                batch_size=2000,
            )
            series = Series.objects.bulk_create(
                [
                    Series(
                        study=study,
                        series_instance_uid=f"2.25.{rng.getrandbits(120)}",
                        modality=(study.modalities.split("\\") * 2)[k],  # k is 0 or 1
                        series_number=k + 1,
                    )
                    for study in made
                    for k in range(rng.randint(1, 2))
                ],
                batch_size=2000,
            )
            instances = Instance.objects.bulk_create(
                [
                    Instance(
                        series=one,
                        sop_instance_uid=f"2.25.{rng.getrandbits(120)}",
                        sop_class_uid="1.2.840.10008.5.1.4.1.1.1",
                        instance_number=k + 1,
                        rows=512,
                        columns=512,
                        file=f"dicom/bench/{one.pk}/{k}.dcm",
                        sha256="0" * 64,
                        created_at=now,
                    )
                    for one in series
                    for k in range(rng.randint(1, 4))
                ],
                batch_size=2000,
            )
            notes = ClinicalNote.objects.bulk_create(
                [
                    ClinicalNote(
                        site=where,
                        study=study,
                        text="Synthetic note (not clinical data): cough, short of breath.",
                        content_sha256=f"{study.pk:064x}",
                        created_at=study.created_at,
                    )
                    for study in made
                    if rng.random() < 0.7
                ],
                batch_size=2000,
            )
            analyses = []
            for study in made:
                if rng.random() < 0.1:  # never analysed
                    continue
                if rng.random() < 0.1:  # an earlier model's analysis, superseded
                    analyses.append(
                        Analysis(
                            site=where,
                            study=study,
                            model_version=old_model,
                            status=AnalysisStatus.SUCCEEDED,
                            created_at=study.created_at + timedelta(minutes=1),
                        )
                    )
                draw = rng.random()
                status = (
                    AnalysisStatus.SUCCEEDED
                    if draw < 0.82
                    else AnalysisStatus.QUEUED
                    if draw < 0.88
                    else AnalysisStatus.RUNNING
                    if draw < 0.93
                    else AnalysisStatus.FAILED
                )
                analyses.append(
                    Analysis(
                        site=where,
                        study=study,
                        model_version=model,
                        status=status,
                        created_at=study.created_at + timedelta(minutes=5),
                    )
                )
            analyses = Analysis.objects.bulk_create(analyses, batch_size=2000)
            predictions = []
            for analysis in analyses:
                if analysis.status != AnalysisStatus.SUCCEEDED:
                    continue
                for finding in FINDINGS:
                    probability = rng.betavariate(0.6, 3.0)
                    predictions.append(
                        Prediction(
                            analysis=analysis,
                            finding=finding,
                            probability=probability,
                            threshold=0.5,
                            positive=probability >= 0.5,
                        )
                    )
            Prediction.objects.bulk_create(predictions, batch_size=5000)
            if where == site:
                counts.update(
                    studies=len(made),
                    series=len(series),
                    instances=len(instances),
                    notes=len(notes),
                    analyses=len(analyses),
                    predictions=len(predictions),
                )
                sample = rng.choice(made)
    return {
        "site": site,
        "clinician": clinician,
        "counts": counts,
        "pseudonym": sample.patient.pseudonym[:8],
        "uid": sample.study_instance_uid[:12],
    }


def measure(client, url: str, headers: dict[str, str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url, **headers)
        times.append(1000 * (time.perf_counter() - start))
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    return times


def run(args: argparse.Namespace) -> dict[str, object]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    seeded = seed(studies=args.studies, seed=args.seed)
    seconds_to_seed = time.perf_counter() - started
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what a long-lived database has; the planner uses it
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    client = Client()
    client.force_login(seeded["clinician"])
    measure(client, "/", {}, 3)  # warm-up: imports, template loading, first connection

    scenarios = []
    for name, template, headers in SCENARIOS:
        url = template.format(pseudonym=seeded["pseudonym"], uid=seeded["uid"])
        times = measure(client, url, headers, args.repeat)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **headers)
        body = response.content.decode()
        rows = body.count('data-testid="worklist-row"')
        times.sort()
        scenarios.append(
            {
                "name": name,
                "url": url,
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 1),
                "max_ms": round(times[-1], 1),
                "queries": len(queries),
                "rows": rows,
            }
        )

    by_size = {s["name"]: s["queries"] for s in scenarios if s["name"].startswith("urgency, ")}
    by_size["urgency (default), 50 a page"] = scenarios[0]["queries"]
    constant_queries = len(set(by_size.values())) == 1
    slowest = max(scenarios, key=lambda s: s["p95_ms"])
    return {
        "benchmark": "worklist",
        "database": connection.vendor,
        "seeded": seeded["counts"],
        "seconds_to_seed": round(seconds_to_seed, 1),
        "repeat": args.repeat,
        "limit_ms": args.limit_ms,
        "scenarios": scenarios,
        "slowest": {"name": slowest["name"], "p95_ms": slowest["p95_ms"]},
        "constant_queries_across_page_sizes": constant_queries,
        "passed": slowest["p95_ms"] <= args.limit_ms and constant_queries,
        **machine_fields(),
    }


if __name__ == "__main__":
    sys.exit(main())
