"""A member of site B cannot open, list or fetch anything of site A by guessing URLs.

Every route of the dashboard, feedback and audit apps is listed here; a new route without a case fails
`test_every_route_has_an_isolation_case`, so isolation is decided when the route is added.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from consilium.accounts.models import Role
from consilium.accounts.services import site_get_or_create, user_create
from consilium.audit.models import AuditEvent
from consilium.feedback.models import FindingLabel
from consilium.imaging.models import Instance
from tests.explanations.explanation_support import analysed_and_explained

pytestmark = pytest.mark.django_db

# Route name -> (method, how to build its arguments from site A's objects).
SITE_SCOPED = {
    "dashboard:study": ("get", lambda a: [a["study"]]),
    "dashboard:study-analyse": ("post", lambda a: [a["study"]]),
    "dashboard:study-explain": ("post", lambda a: [a["study"]]),
    "dashboard:study-report": ("get", lambda a: [a["study"]]),
    "dashboard:study-report-pdf": ("get", lambda a: [a["study"]]),
    "dashboard:explanation-artifact": ("get", lambda a: [a["explanation"], "heatmap.png"]),
    "dashboard:study-viewer": ("get", lambda a: [a["study"]]),
    "dashboard:study-progress": ("get", lambda a: [a["study"]]),
    "dashboard:frame-pixels": ("get", lambda a: [a["instance"], 1]),
    "feedback:submit": ("post", lambda a: [a["study"]]),
}
# Lists: they answer 200 but show only the member's own site.
SITE_LISTS = {"dashboard:worklist", "feedback:labels", "audit:trail", "audit:trail-csv"}
# Not site data: the registry's model cards are shared by every site.
SHARED = {"dashboard:model-card"}


def route_names(namespace: str) -> set[str]:
    resolver = get_resolver()
    _, sub_resolver = resolver.namespace_dict[namespace]
    return {f"{namespace}:{pattern.name}" for pattern in sub_resolver.url_patterns if pattern.name}


def test_every_route_has_an_isolation_case() -> None:
    routes = route_names("dashboard") | route_names("feedback") | route_names("audit")
    assert routes == set(SITE_SCOPED) | SITE_LISTS | SHARED


@pytest.fixture
def site_a(uploaded_study, active_model) -> dict:
    """Site A ("north"): an analysed, explained study with feedback from its engineer."""
    site, _, sent_uid = uploaded_study
    study, analysis, explanation = analysed_and_explained(site, sent_uid)
    engineer = user_create(site=site, username="a-eng", password="long-pass-1", role="ml_engineer")
    from consilium.feedback.services import feedback_submit

    feedback_submit(
        analysis=analysis,
        author=engineer,
        verdicts={finding: "agree" for finding in analysis.model_version.findings},
        missed=[],
        comment="",
    )
    return {
        "site": site,
        "study": study.pk,
        "uid": study.study_instance_uid,
        "pseudonym": study.patient.pseudonym,
        "analysis": str(analysis.pk),
        "explanation": explanation.pk,
        "instance": Instance.objects.get(series__study=study).pk,
    }


def site_b_member(client, role: Role):
    member = user_create(
        site=site_get_or_create(slug="south"),
        username=f"b-{role}",
        password="long-pass-2",
        role=role,
    )
    client.force_login(member)
    return member


def test_site_b_gets_404_for_every_object_of_site_a(client, site_a) -> None:
    """One set-up (an analysed, explained study) for every route: each case is one request."""
    site_b_member(client, Role.CLINICIAN)
    labels_before = FindingLabel.objects.count()
    answers = {}
    for route, (method, arguments) in sorted(SITE_SCOPED.items()):
        url = reverse(route, args=arguments(site_a))
        data = {"analysis": site_a["analysis"], "finding": "effusion"} if method == "post" else None
        response = getattr(client, method)(url, data)
        answers[route] = response.status_code
        assert site_a["uid"].encode() not in response.content, route
    assert answers == dict.fromkeys(SITE_SCOPED, 404)
    assert FindingLabel.objects.count() == labels_before  # nothing written across sites


def test_site_b_lists_show_nothing_of_site_a(client, site_a) -> None:
    site_b_member(client, Role.SITE_ADMIN)  # may see every list: worklist, labels, audit trail
    for route in sorted(SITE_LISTS):
        response = client.get(reverse(route))
        assert response.status_code == 200, route
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode()
        assert site_a["uid"] not in text and site_a["pseudonym"] not in text, route
    # Site A's events are in its trail (the set-up viewed and analysed its study), not in B's.
    assert AuditEvent.objects.filter(site=site_a["site"], object_id=site_a["analysis"]).exists()
    trail = client.get(reverse("audit:trail"), {"target": "analyses.analysis"})
    assert trail.context["page"].paginator.count == 0
    # Filters and search do not reach across sites either.
    searched = client.get("/", {"q": site_a["pseudonym"]}).content.decode()
    assert 'data-testid="worklist-row"' not in searched and site_a["uid"] not in searched


def test_site_a_still_sees_its_own_objects(client, site_a) -> None:
    """The same URLs work for site A's own members, so the 404s above are about the site."""
    client.force_login(user_create(site=site_a["site"], username="a-clin", password="long-pass-3"))
    for route, (method, arguments) in SITE_SCOPED.items():
        if method == "get":
            assert client.get(reverse(route, args=arguments(site_a))).status_code == 200, route
    assert AuditEvent.objects.filter(action="study.viewed", object_id=str(site_a["study"])).exists()


def test_a_poll_after_the_session_expired_sends_the_page_to_the_login(client) -> None:
    polled = client.get("/", HTTP_HX_REQUEST="true")
    assert polled.status_code == 204
    assert polled["HX-Redirect"].startswith("/accounts/login/?next=/")
    progress = client.get(
        "/studies/7/progress",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/studies/7/",
    )
    assert progress["HX-Redirect"] == "/accounts/login/?next=/studies/7/"  # the page, not the poll
    assert client.get("/").status_code == 302  # a plain request is redirected as usual


def test_auditors_read_but_do_not_start_work(client, site_a) -> None:
    client.force_login(
        user_create(site=site_a["site"], username="a-audit", password="long-pass-4", role="auditor")
    )
    page = client.get(reverse("dashboard:study", args=[site_a["study"]]))
    assert page.status_code == 200 and b"Request analysis" not in page.content
    for route in ("dashboard:study-analyse", "dashboard:study-explain", "feedback:submit"):
        url = reverse(route, args=[site_a["study"]])
        assert client.post(url, {"analysis": site_a["analysis"]}).status_code == 403, route
