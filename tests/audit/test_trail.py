"""The audit trail page and its CSV export: auditors (and site administrators) of a site read
that site's events, filtered; nobody else does, and an export is itself recorded."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from consilium.accounts.models import Role
from consilium.accounts.services import site_get_or_create, user_create
from consilium.audit.models import Action, ActorKind, AuditEvent
from consilium.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail():
    """Site "north" with an auditor and five events (one of them ten days old); site "south"
    with one event of its own."""
    north, south = site_get_or_create(slug="north"), site_get_or_create(slug="south")
    auditor = user_create(site=north, username="n-audit", password="long-pass-1", role=Role.AUDITOR)
    clinician = user_create(site=north, username="=HYPERLINK(1)", password="long-pass-2")
    for action in (Action.STUDY_VIEWED, Action.REPORT_GENERATED, Action.STUDY_VIEWED):
        audit_record(site=north, actor=clinician, action=action, target=north, details={"k": 1})
    audit_record(site=north, actor=None, action=Action.ANALYSIS_REQUESTED, details={})
    old = audit_record(site=north, actor=clinician, action=Action.NOTE_STORED)
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    audit_record(site=south, actor=None, action=Action.STUDY_VIEWED, details={"south": True})
    return {"north": north, "auditor": auditor, "clinician": clinician}


def rows_of(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_an_auditor_reads_the_trail_of_their_site_only_newest_first(client, trail) -> None:
    client.force_login(trail["auditor"])
    response = client.get("/audit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="decision-support"' in page and 'data-testid="nav-audit"' in page
    events = response.context["page"].object_list
    assert [e.action for e in events] == [
        Action.ANALYSIS_REQUESTED,
        Action.STUDY_VIEWED,
        Action.REPORT_GENERATED,
        Action.STUDY_VIEWED,
        Action.NOTE_STORED,
    ]
    assert all(e.site_id == trail["north"].pk for e in events)
    assert "south" not in page


def test_a_study_in_the_trail_links_to_its_page(client, trail) -> None:
    audit_record(
        site=trail["north"],
        actor=trail["clinician"],
        action=Action.STUDY_VIEWED,
        details={},
    )
    AuditEvent.objects.filter(action=Action.STUDY_VIEWED, object_type="").update(
        object_type="imaging.study", object_id="42"
    )
    client.force_login(trail["auditor"])
    page = client.get("/audit/", {"target": "imaging.study:42"}).content.decode()
    assert '<a href="/studies/42/"><code>imaging.study:42</code></a>' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "study.viewed"}, 2),
        ({"actor_kind": "system"}, 1),
        ({"actor": "hyperlink"}, 4),
        ({"target": "accounts.site"}, 3),
        ({"from": (timezone.now() - timedelta(days=2)).date().isoformat()}, 4),
        ({"to": (timezone.now() - timedelta(days=5)).date().isoformat()}, 1),
    ],
)
def test_filters_narrow_the_trail(client, trail, query, expected) -> None:
    client.force_login(trail["auditor"])
    response = client.get("/audit/", query)
    assert response.context["page"].paginator.count == expected
    assert not response.context["filters"].errors


def test_an_object_is_found_by_type_and_id(client, trail) -> None:
    client.force_login(trail["auditor"])
    target = f"accounts.site:{trail['north'].pk}"
    assert client.get("/audit/", {"target": target}).context["page"].paginator.count == 3
    assert (
        client.get("/audit/", {"target": "accounts.site:999999"}).context["page"].paginator.count
        == 0
    )


def test_bad_filters_are_explained_not_raised(client, trail) -> None:
    client.force_login(trail["auditor"])
    response = client.get(
        "/audit/", {"action": "study.deleted", "from": "yesterday", "actor": "x" * 500}
    )
    assert response.status_code == 200
    errors = " ".join(response.context["filters"].errors)
    assert "Unknown action “study.deleted”" in errors and "“yesterday” is not a date" in errors
    assert "longer than 200 characters" in errors
    assert response.context["page"].paginator.count == 5  # nothing applied
    assert 'data-testid="audit-errors"' in response.content.decode()
    backwards = client.get("/audit/", {"from": "2026-02-01", "to": "2026-01-01"})
    assert "The start date is after the end date" in " ".join(backwards.context["filters"].errors)


def test_the_csv_export_streams_the_filtered_trail_and_is_recorded(client, trail) -> None:
    client.force_login(trail["auditor"])
    response = client.get("/audit/events.csv", {"actor": "hyperlink"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-north-')
    rows = rows_of(response)
    assert [row["action"] for row in rows] == [
        "study.viewed",
        "report.generated",
        "study.viewed",
        "note.stored",
    ]
    # a value a spreadsheet would run as a formula is quoted
    assert {row["actor_label"] for row in rows} == {"'=HYPERLINK(1)"}
    assert rows[0]["details"] == '{"k": 1}' and rows[0]["object_type"] == "accounts.site"
    exported = AuditEvent.objects.get(action=Action.AUDIT_EXPORTED)
    assert exported.site == trail["north"] and exported.actor_label == "n-audit"
    assert exported.actor_kind == ActorKind.USER
    assert exported.details == {"filters": {"actor": "hyperlink"}}


def test_the_export_refuses_bad_filters_with_the_reason(client, trail) -> None:
    client.force_login(trail["auditor"])
    response = client.get("/audit/events.csv", {"to": "31/01/2026"})
    assert response.status_code == 400
    assert "“31/01/2026” is not a date" in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.AUDIT_EXPORTED).exists()


def test_pages_keep_the_filters(client, trail, settings) -> None:
    for _ in range(60):
        audit_record(site=trail["north"], actor=trail["clinician"], action=Action.STUDY_VIEWED)
    client.force_login(trail["auditor"])
    response = client.get("/audit/", {"action": "study.viewed"})
    page = response.context["page"]
    assert page.paginator.count == 62 and page.has_next()
    assert 'href="?action=study.viewed&amp;page=2"' in response.content.decode()
    assert (
        client.get("/audit/", {"action": "study.viewed", "page": "99"}).context["page"].number == 2
    )


def test_only_auditors_and_site_administrators_read_the_trail(client, trail) -> None:
    assert client.get("/audit/").status_code == 302  # to the login
    client.force_login(trail["clinician"])
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/events.csv").status_code == 403
    assert 'data-testid="nav-audit"' not in client.get("/").content.decode()
    admin = user_create(
        site=trail["north"], username="n-admin", password="long-pass-3", role=Role.SITE_ADMIN
    )
    client.force_login(admin)
    assert client.get("/audit/").status_code == 200


def test_the_demo_site_has_an_auditor_who_reads_its_trail(client) -> None:
    from consilium.core.demo import demo_seed

    credentials = demo_seed()
    assert demo_seed().auditor_password == credentials.auditor_password  # stable across runs
    logged_in = client.post(
        "/accounts/login/",
        {"username": credentials.auditor_username, "password": credentials.auditor_password},
    )
    assert logged_in.status_code == 302
    assert client.get("/audit/").status_code == 200
    assert client.post("/studies/1/analyse").status_code == 403  # reads, starts nothing


def test_a_long_trail_is_counted_up_to_the_cap_and_exported_whole(
    client, trail, monkeypatch
) -> None:
    """Counting millions of events on every page view is slow: past the cap the page says "more
    than" and pages the newest events only; the CSV still has every one of them."""
    monkeypatch.setattr("consilium.audit.selectors.COUNT_CAP", 3)
    client.force_login(trail["auditor"])
    response = client.get("/audit/")
    page = response.context["page"]
    assert page.paginator.capped and page.paginator.count == 3
    assert [e.action for e in page.object_list] == [
        Action.ANALYSIS_REQUESTED,
        Action.STUDY_VIEWED,
        Action.REPORT_GENERATED,
    ]
    assert not page.has_next()
    assert "More than 3 events" in response.content.decode()
    exported = rows_of(client.get("/audit/events.csv"))
    assert len(exported) == 6  # all five events, and the export recorded before it streams
    narrowed = client.get("/audit/", {"action": Action.STUDY_VIEWED})
    assert not narrowed.context["page"].paginator.capped
    assert "2 events match the filters" in narrowed.content.decode()
