"""The clinician worklist at `/`: urgency order, filters, search, paging, live rows, isolation.

Rows are made directly (no DICOM files): the worklist reads only the database.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from django.test.utils import CaptureQueriesContext

from consilium.accounts.services import site_get_or_create, user_create
from consilium.analyses.models import Analysis, AnalysisStatus, Prediction
from consilium.dashboard.worklist_filters import DEFAULT_PAGE_SIZE, WorklistFilters
from consilium.imaging.models import ClinicalNote, Instance, Patient, Series, Study
from consilium.registry.models import ModelVersion

pytestmark = pytest.mark.django_db

FINDINGS = ["cardiomegaly", "effusion", "nodule", "pneumothorax", "opacity"]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
_serial = count(1)


@pytest.fixture(autouse=True)
def _critical(settings) -> None:
    settings.CRITICAL_FINDINGS = ["pneumothorax", "effusion"]


@pytest.fixture
def model() -> ModelVersion:
    return ModelVersion.objects.create(
        name="test", version="1", checkpoint_dir="-", findings=FINDINGS, is_active=True
    )


@pytest.fixture
def site():
    return site_get_or_create(slug="north", name="North hospital")


@pytest.fixture
def worklist_client(client, site):
    client.force_login(user_create(site=site, username="dr-north", password="long-password-1"))
    return client


def make_study(
    site,
    *,
    minutes_ago: int = 0,
    pseudonym: str | None = None,
    uid: str | None = None,
    modalities: str = "CR",
    study_date: date | None = date(2025, 6, 1),
    note: bool = False,
    instances: int = 1,
) -> Study:
    n = next(_serial)
    patient = Patient.objects.create(site=site, pseudonym=pseudonym or f"CSL-TEST{n:012d}")
    study = Study.objects.create(
        site=site,
        patient=patient,
        study_instance_uid=uid or f"2.25.{900000 + n}",
        study_date=study_date,
        modalities=modalities,
    )
    # created_at is auto_now_add: set the time it was received afterwards
    Study.objects.filter(pk=study.pk).update(created_at=NOW - timedelta(minutes=minutes_ago))
    study.refresh_from_db()
    if instances:
        series = Series.objects.create(
            study=study, series_instance_uid=f"{study.study_instance_uid}.1", modality="CR"
        )
        Instance.objects.bulk_create(
            Instance(
                series=series,
                sop_instance_uid=f"{series.series_instance_uid}.{k}",
                sop_class_uid="1.2.840.10008.5.1.4.1.1.1",
                file=f"dicom/test/{study.pk}/{k}.dcm",
                sha256="0" * 64,
            )
            for k in range(instances)
        )
    if note:
        ClinicalNote.objects.create(
            site=site, study=study, text="Short of breath.", content_sha256=f"{study.pk:064x}"
        )
    return study


def analyse(
    study: Study,
    model: ModelVersion,
    status: str = AnalysisStatus.SUCCEEDED,
    probabilities: dict[str, float] | None = None,
    *,
    minutes_after: int = 1,
) -> Analysis:
    analysis = Analysis.objects.create(
        site=study.site, study=study, model_version=model, status=status
    )
    Analysis.objects.filter(pk=analysis.pk).update(
        created_at=study.created_at + timedelta(minutes=minutes_after)
    )
    Prediction.objects.bulk_create(
        Prediction(
            analysis=analysis,
            finding=finding,
            probability=probability,
            threshold=0.5,
            positive=probability >= 0.5,
        )
        for finding, probability in (probabilities or {}).items()
    )
    return analysis


def listed(response) -> list[int]:
    """The study ids of the rows, in order."""
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'data-study="(\d+)"', response.content.decode())]


def test_urgency_order_puts_critical_findings_first_then_pending_then_newest(
    worklist_client, site, model
) -> None:
    pneumothorax = make_study(site, minutes_ago=500)
    analyse(pneumothorax, model, probabilities={"pneumothorax": 0.93, "nodule": 0.2})
    effusion = make_study(site, minutes_ago=10)
    analyse(effusion, model, probabilities={"effusion": 0.71, "cardiomegaly": 0.95})
    # a newer analysis is running, but the last result found a pneumothorax: keep it on top
    rerun = make_study(site, minutes_ago=400)
    analyse(rerun, model, probabilities={"pneumothorax": 0.8})
    newer_model = ModelVersion.objects.create(
        name="test", version="2", checkpoint_dir="-", findings=FINDINGS
    )
    analyse(rerun, newer_model, AnalysisStatus.RUNNING, minutes_after=30)
    unanalysed = make_study(site, minutes_ago=1)
    queued = make_study(site, minutes_ago=50)
    analyse(queued, model, AnalysisStatus.QUEUED)
    failed = make_study(site, minutes_ago=300)
    analyse(failed, model, AnalysisStatus.FAILED)
    # succeeded, a positive finding that is not critical, and a critical one under threshold
    nodule = make_study(site, minutes_ago=2)
    analyse(nodule, model, probabilities={"nodule": 0.99, "pneumothorax": 0.45})
    quiet = make_study(site, minutes_ago=5)
    analyse(quiet, model, probabilities={"effusion": 0.1})

    response = worklist_client.get("/")

    assert listed(response) == [
        pneumothorax.pk,
        rerun.pk,
        effusion.pk,
        unanalysed.pk,
        queued.pk,
        failed.pk,
        nodule.pk,
        quiet.pk,
    ]
    text = response.content.decode()
    assert "Decision support, not a diagnosis" in text
    assert "pneumothorax, effusion" in text  # the page says which findings count as critical
    assert text.count('class="critical"') == 3


def test_other_sorts(worklist_client, site) -> None:
    old = make_study(site, minutes_ago=90, study_date=date(2025, 12, 24))
    middle = make_study(site, minutes_ago=60, study_date=None)
    new = make_study(site, minutes_ago=30, study_date=date(2024, 1, 2))

    assert listed(worklist_client.get("/?sort=newest")) == [new.pk, middle.pk, old.pk]
    assert listed(worklist_client.get("/?sort=oldest")) == [old.pk, middle.pk, new.pk]
    # latest (shifted) study date first; a study without one last
    assert listed(worklist_client.get("/?sort=study_date")) == [old.pk, new.pk, middle.pk]


def test_rows_show_what_a_clinician_triages_by(worklist_client, site, model) -> None:
    study = make_study(
        site, modalities="CT\\MR", study_date=date(2025, 2, 3), note=True, instances=3
    )
    analyse(
        study,
        model,
        probabilities={
            "effusion": 0.61,
            "nodule": 0.97,
            "opacity": 0.88,
            "cardiomegaly": 0.55,
            "pneumothorax": 0.3,
        },
    )
    noteless = make_study(site, minutes_ago=1, note=False)

    text = worklist_client.get("/").content.decode()
    row = text[text.index(f'data-study="{study.pk}"') :].split("</tr>")[0]
    assert "Study date <span" in text and "(shifted)" in text
    assert "2025-02-03" in row and "CT, MR" in row and ">3<" in row and "yes" in row
    assert 'data-status="succeeded"' in row
    findings = re.findall(r'class="finding[^"]*"[^>]*>(\w+) <b>(\d+)%', row)
    assert findings == [("nodule", "97"), ("opacity", "88"), ("effusion", "61")]  # top 3
    assert f'href="/studies/{study.pk}/"' in row
    other = text[text.index(f'data-study="{noteless.pk}"') :].split("</tr>")[0]
    assert 'data-status="none"' in other and "not analysed" in other and ">no<" in other


def test_filters(worklist_client, site, model) -> None:
    ct = make_study(site, modalities="CT\\MR", study_date=date(2025, 1, 10))
    analyse(ct, model, probabilities={"effusion": 0.8})
    dx = make_study(site, modalities="DX", study_date=date(2025, 3, 10))
    analyse(dx, model, AnalysisStatus.RUNNING)
    cr = make_study(site, modalities="CR", study_date=date(2025, 5, 10))
    analyse(cr, model, probabilities={"effusion": 0.2, "nodule": 0.7})
    never = make_study(site, modalities="CTX", study_date=None)  # CTX is not CT

    def ids(query: str) -> set[int]:
        return set(listed(worklist_client.get(f"/?{query}")))

    assert ids("status=running") == {dx.pk}
    assert ids("status=succeeded") == {ct.pk, cr.pk}
    assert ids("status=none") == {never.pk}
    assert ids("status=queued") == set()
    assert ids("finding=effusion") == {ct.pk}  # positive only: cr's 0.2 is not
    assert ids("finding=nodule") == {cr.pk}
    assert ids("modality=CT") == {ct.pk}
    assert ids("modality=mr") == {ct.pk}
    assert ids("modality=CTX") == {never.pk}
    assert ids("from=2025-03-01") == {dx.pk, cr.pk}
    assert ids("to=2025-03-10") == {ct.pk, dx.pk}
    assert ids("from=2025-02-01&to=2025-04-01") == {dx.pk}
    assert ids("modality=CT&status=running") == set()
    response = worklist_client.get("/?status=queued")
    assert b"No studies match these filters." in response.content
    assert b"0 studies match the filters" in response.content


def test_search_by_pseudonym_or_study_uid_prefix(worklist_client, site) -> None:
    alice = make_study(site, pseudonym="CSL-ABCDEF2345", uid="2.25.111222333")
    bob = make_study(site, pseudonym="CSL-QRSTUV6789", uid="2.25.444555666")

    assert listed(worklist_client.get("/?q=CSL-ABC")) == [alice.pk]
    assert listed(worklist_client.get("/?q=csl-qrs")) == [bob.pk]  # pseudonyms ignore case
    assert listed(worklist_client.get("/?q=2.25.444")) == [bob.pk]
    assert listed(worklist_client.get("/?q=%20CSL-QRSTUV6789%20")) == [bob.pk]
    assert set(listed(worklist_client.get("/?q=2.25."))) == {alice.pk, bob.pk}
    assert listed(worklist_client.get("/?q=111222")) == []  # a prefix, not a substring


def test_pagination_keeps_filters_and_sort(worklist_client, site) -> None:
    ct = [make_study(site, minutes_ago=m, modalities="CT") for m in range(30)]
    make_study(site, minutes_ago=100, modalities="DX")

    first = worklist_client.get("/?modality=CT&sort=oldest&size=25")
    text = first.content.decode()
    assert listed(first) == [s.pk for s in reversed(ct)][:25]
    assert "Page 1 of 2" in text
    next_link = re.search(r'href="\?([^"]*)" rel="next"', text).group(1).replace("&amp;", "&")
    assert set(next_link.split("&")) == {"modality=CT", "sort=oldest", "size=25", "page=2"}

    second = worklist_client.get(f"/?{next_link}")
    assert listed(second) == [s.pk for s in reversed(ct)][25:]
    previous = re.search(r'href="\?([^"]*)" rel="prev"', second.content.decode()).group(1)
    assert "page=" not in previous and "modality=CT" in previous  # page 1 needs no number


def test_page_size(worklist_client, site) -> None:
    for minutes in range(DEFAULT_PAGE_SIZE + 1):
        make_study(site, minutes_ago=minutes, instances=0)
    assert len(listed(worklist_client.get("/"))) == DEFAULT_PAGE_SIZE
    assert len(listed(worklist_client.get("/?size=25"))) == 25
    assert len(listed(worklist_client.get("/?size=100"))) == DEFAULT_PAGE_SIZE + 1
    over = worklist_client.get("/?size=5000")
    assert len(listed(over)) == DEFAULT_PAGE_SIZE
    assert b"Page size \xe2\x80\x9c5000\xe2\x80\x9d is not one of 25, 50, 100" in over.content


def test_invalid_filters_show_a_message_not_an_error(worklist_client, site, model) -> None:
    study = make_study(site)
    response = worklist_client.get(
        "/?status=done&finding=broken-leg&modality=C%2BT&from=2025-13-01&to=yesterday"
        "&sort=alphabetical&size=-1&page=zzz&q=" + "9" * 65
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="worklist-errors"' in text
    for expected in (
        "Unknown analysis status “done”",
        "Unknown finding “broken-leg”",
        "“C+T” is not a DICOM modality code",
        "Study date from: “2025-13-01” is not a date",
        "Study date to: “yesterday” is not a date",
        "Unknown sort “alphabetical”",
        "Page size “-1” is not one of",
        "The search is 65 characters long",
    ):
        assert expected in text, expected
    assert listed(response) == [study.pk]  # the filters that were wrong are not applied

    backwards = worklist_client.get("/?from=2025-05-01&to=2025-01-01")
    assert "is after study date to" in backwards.content.decode()
    assert listed(backwards) == [study.pk]


def test_filters_round_trip_through_the_query_string() -> None:
    query = {
        "status": "none",
        "finding": "effusion",
        "modality": "ct",
        "from": "2025-01-01",
        "to": "2025-02-01",
        "q": "CSL-A",
        "sort": "oldest",
        "size": "100",
    }
    filters = WorklistFilters.from_query(query, findings=FINDINGS)
    assert filters.errors == ()
    assert filters.modality == "CT" and filters.date_from == date(2025, 1, 1)
    again = WorklistFilters.from_query(
        dict(pair.split("=") for pair in filters.query().split("&")), findings=FINDINGS
    )
    assert again == filters
    assert WorklistFilters.from_query({}, findings=FINDINGS).query(page=1) == ""
    assert not WorklistFilters.from_query({"sort": "newest", "size": "25"}, findings=[]).narrowing


def test_rows_partial_for_htmx_polls_while_analyses_are_pending(
    worklist_client, site, model
) -> None:
    study = make_study(site)
    analysis = analyse(study, model, AnalysisStatus.QUEUED)

    page = worklist_client.get("/?modality=CR")
    text = page.content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in text  # served here: no CDN
    assert 'src="http' not in text
    assert 'hx-trigger="every 3s"' in text
    assert 'hx-get="/?modality=CR"' in text  # the poll asks for the same filters and page

    partial = worklist_client.get("/?modality=CR", HTTP_HX_REQUEST="true")
    rows = partial.content.decode()
    assert partial.status_code == 200
    assert rows.lstrip().startswith("<tbody") and "<html" not in rows
    assert 'hx-trigger="every 3s"' in rows and 'data-status="queued"' in rows
    assert "HX-Request" in partial["Vary"]

    Analysis.objects.filter(pk=analysis.pk).update(status=AnalysisStatus.RUNNING)
    assert (
        'data-status="running"' in worklist_client.get("/", HTTP_HX_REQUEST="true").content.decode()
    )

    Analysis.objects.filter(pk=analysis.pk).update(status=AnalysisStatus.SUCCEEDED)
    Prediction.objects.create(
        analysis=analysis, finding="effusion", probability=0.9, threshold=0.5, positive=True
    )
    done = worklist_client.get("/?modality=CR", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="succeeded"' in done and "effusion <b>90%" in done
    assert "hx-trigger" not in done and "hx-get" not in done  # nothing pending: polling stops


def test_no_polling_when_nothing_is_pending(worklist_client, site, model) -> None:
    analyse(make_study(site), model, probabilities={"nodule": 0.6})
    analyse(make_study(site), model, AnalysisStatus.FAILED)
    make_study(site)
    text = worklist_client.get("/").content.decode()
    assert 'data-testid="worklist"' in text and "hx-trigger" not in text


def test_another_sites_studies_are_never_listed(worklist_client, site, model) -> None:
    ours = make_study(site, pseudonym="CSL-OURS00000001", modalities="CT")
    south = site_get_or_create(slug="south")
    theirs = make_study(south, pseudonym="CSL-THEIRS000001", modalities="MR", uid="2.25.777")
    analyse(theirs, model, probabilities={"pneumothorax": 0.99})  # would top any urgency list

    text = worklist_client.get("/").content.decode()
    assert listed(worklist_client.get("/")) == [ours.pk]
    assert "CSL-THEIRS" not in text
    assert ">MR<" not in text  # the modality choices are this site's too
    for query in ("q=CSL-THEIRS", "q=2.25.777", "modality=MR", "finding=pneumothorax"):
        assert listed(worklist_client.get(f"/?{query}")) == [], query
    assert "1 study." in text


def test_an_empty_site_says_how_studies_arrive(worklist_client) -> None:
    text = worklist_client.get("/").content.decode()
    assert "No studies yet" in text and "/dicomweb/studies" in text


def _populate(site, model, n: int) -> None:
    """n studies as a busy site has them: notes, images, results, re-runs by a newer model."""
    older, _ = ModelVersion.objects.get_or_create(
        name="test", version="0", defaults={"checkpoint_dir": "-", "findings": FINDINGS}
    )
    for k in range(n):
        study = make_study(site, minutes_ago=k, note=k % 2 == 0, instances=2)
        if k % 3 == 0:
            analyse(study, model, probabilities=dict.fromkeys(FINDINGS, 0.6))
        elif k % 3 == 1:
            analyse(study, older, probabilities={"effusion": 0.7})
            analyse(study, model, AnalysisStatus.RUNNING, minutes_after=5)


@pytest.mark.parametrize("hx", [False, True], ids=["page", "htmx-rows"])
def test_queries_do_not_grow_with_the_page(
    worklist_client, site, model, django_assert_num_queries, hx
) -> None:
    from django.db import connection

    headers = {"HTTP_HX_REQUEST": "true"} if hx else {}
    _populate(site, model, 2)
    with CaptureQueriesContext(connection) as few:
        assert len(listed(worklist_client.get("/?size=100", **headers))) == 2

    _populate(site, model, 58)
    with django_assert_num_queries(len(few)):
        assert len(listed(worklist_client.get("/?size=100", **headers))) == 60
    with django_assert_num_queries(len(few)):
        assert len(listed(worklist_client.get("/?size=100&status=running", **headers))) == 20
