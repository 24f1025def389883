"""FHIR search: DocumentReference by study, DiagnosticReport by study and status, searchset Bundles."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from fhir.resources.R4B.bundle import Bundle

from consilium.accounts.services import api_client_create
from consilium.imaging.models import ClinicalNote
from tests.helpers import auth, note_resource, site_token

pytestmark = pytest.mark.django_db


def search(client, token: str, path: str, params=None, **headers) -> dict:
    response = client.get(path, params or {}, **auth(token), **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    Bundle.model_validate(response.json())
    bundle = response.json()
    assert bundle["type"] == "searchset"
    return bundle


def ids(bundle: dict) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def link(bundle: dict, relation: str) -> str | None:
    return next((x["url"] for x in bundle["link"] if x["relation"] == relation), None)


def post_note(client, token: str, study_uid: str, text: str) -> str:
    response = client.post(
        "/fhir/DocumentReference",
        data=note_resource(study_uid, text),
        content_type="application/fhir+json",
        **auth(token),
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_document_references_are_found_by_the_study_in_every_spelling(
    client, uploaded_study
) -> None:
    _, token, sent_uid = uploaded_study
    note = ClinicalNote.objects.get()
    stored_uid = note.study.study_instance_uid
    post_note(client, token, "1.2.826.0.1.3680043.8.498.99", "Another study, another note.")
    for params in (
        {"related": f"urn:oid:{sent_uid}"},
        {"related": f"urn:oid:{stored_uid}"},
        {"related:identifier": f"urn:dicom:uid|urn:oid:{sent_uid}"},
        {"study": sent_uid},
        {"study": f"urn:oid:{stored_uid}"},
        {"study": f"urn:dicom:uid|urn:oid:{sent_uid}"},
        {"study": f"9.9.9,{sent_uid}"},
    ):
        bundle = search(client, token, "/fhir/DocumentReference", params)
        assert bundle["total"] == 1 and ids(bundle) == [str(note.pk)], params
        (entry,) = bundle["entry"]
        assert entry["fullUrl"] == f"http://testserver/fhir/DocumentReference/{note.pk}"
        assert entry["search"] == {"mode": "match"}
        assert sent_uid not in str(entry["resource"])
    assert search(client, token, "/fhir/DocumentReference")["total"] == 2
    nothing = search(client, token, "/fhir/DocumentReference", {"study": "1.2.3.4"})
    assert nothing["total"] == 0 and "entry" not in nothing
    both = search(client, token, f"/fhir/DocumentReference?study={sent_uid}&study=9.9.9")
    assert both["total"] == 0  # repeated parameters mean AND


def test_another_sites_notes_are_not_found(client, uploaded_study) -> None:
    _, _, sent_uid = uploaded_study
    _, other = site_token("south")
    bundle = search(client, other, "/fhir/DocumentReference", {"study": sent_uid})
    assert bundle["total"] == 0


def test_pages_link_to_each_other_and_name_only_the_parameters_used(client, uploaded_study) -> None:
    _, token, sent_uid = uploaded_study
    for n in range(4):
        post_note(client, token, sent_uid, f"Follow-up note number {n}: stable.")
    params = {"study": sent_uid, "_count": "2", "_sort": "date", "colour": "blue"}
    first = search(client, token, "/fhir/DocumentReference", params)
    assert first["total"] == 5 and len(first["entry"]) == 2
    assert query(link(first, "self")) == {"study": sent_uid, "_count": "2"}
    assert link(first, "previous") is None
    second = search(client, token, link(first, "next"))
    third = search(client, token, link(second, "next"))
    assert query(link(second, "self"))["_offset"] == "2"
    assert link(third, "next") is None and len(third["entry"]) == 1
    assert query(link(third, "previous"))["_offset"] == "2"
    seen = ids(first) + ids(second) + ids(third)
    assert sorted(seen) == sorted(
        str(pk) for pk in ClinicalNote.objects.values_list("pk", flat=True)
    )
    counted = search(client, token, "/fhir/DocumentReference", {"_summary": "count"})
    assert counted["total"] == 5 and "entry" not in counted


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"study": "not-a-uid"}, "not a StudyInstanceUID"),
        ({"study": "http://other|urn:oid:1.2.3"}, "urn:dicom:uid"),
        ({"related": "urn:dicom:uid|urn:oid:1.2.3"}, "related:identifier"),
        ({"study:exact": "1.2.3"}, "modifier"),
        ({"study": ""}, "no value"),
        ({"_count": "-1"}, "whole number"),
        ({"_offset": "x"}, "whole number"),
        ({"_summary": "text"}, "_summary"),
    ],
)
def test_unreadable_searches_are_400_operation_outcomes(
    client, uploaded_study, params, fragment
) -> None:
    _, token, _ = uploaded_study
    response = client.get("/fhir/DocumentReference", params, **auth(token))
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["code"] == "invalid" and fragment in issue["diagnostics"]


def test_strict_handling_refuses_unknown_parameters(client, uploaded_study) -> None:
    _, token, sent_uid = uploaded_study
    response = client.get(
        "/fhir/DocumentReference",
        {"study": sent_uid, "author": "x"},
        HTTP_PREFER="handling=strict",
        **auth(token),
    )
    assert response.status_code == 400 and "'author'" in response.json()["issue"][0]["diagnostics"]


def test_only_json_is_served(client, uploaded_study) -> None:
    _, token, _ = uploaded_study
    for headers, params in (
        ({"HTTP_ACCEPT": "application/fhir+xml"}, {}),
        ({}, {"_format": "xml"}),
    ):
        response = client.get("/fhir/DocumentReference", params, **headers, **auth(token))
        assert response.status_code == 406
        assert response.json()["issue"][0]["code"] == "not-supported"
    fine = client.get(
        "/fhir/DocumentReference",
        {"_format": "json"},
        HTTP_ACCEPT="application/fhir+json;q=0.9, */*;q=0.1",
        **auth(token),
    )
    assert fine.status_code == 200
    xml = client.post(
        "/fhir/DocumentReference",
        data="<DocumentReference/>",
        content_type="application/fhir+xml",
        **auth(token),
    )
    assert xml.status_code == 415


def test_searching_needs_the_read_scope(client, uploaded_study) -> None:
    site, _, _ = uploaded_study
    uploader = api_client_create(site=site, name="modality", scopes=["upload"]).token
    for path in ("/fhir/DocumentReference", "/fhir/DiagnosticReport"):
        response = client.get(path, **auth(uploader))
        assert response.status_code == 403 and response.json()["issue"][0]["code"] == "forbidden"


def test_diagnostic_reports_are_found_by_study_and_status(client, finished_analysis) -> None:
    _, token, sent_uid, analysis = finished_analysis
    found = search(client, token, "/fhir/DiagnosticReport", {"study": sent_uid})
    assert ids(found) == [str(analysis.pk)] and found["total"] == 1
    (entry,) = found["entry"]
    assert entry["fullUrl"] == f"http://testserver/fhir/DiagnosticReport/{analysis.pk}"
    direct = client.get(f"/fhir/DiagnosticReport/{analysis.pk}", **auth(token)).json()
    assert entry["resource"]["contained"] == direct["contained"]
    final = {"study": f"urn:oid:{analysis.study.study_instance_uid}", "status": "final"}
    assert ids(search(client, token, "/fhir/DiagnosticReport", final)) == [str(analysis.pk)]
    for status in ("registered", "cancelled", "amended"):
        assert search(client, token, "/fhir/DiagnosticReport", {"status": status})["total"] == 0
    assert search(client, token, "/fhir/DiagnosticReport", {"study": "1.2.3"})["total"] == 0
    bad = client.get("/fhir/DiagnosticReport", {"status": "done"}, **auth(token))
    assert bad.status_code == 400 and "registered" in bad.json()["issue"][0]["diagnostics"]
    _, other = site_token("south")
    assert search(client, other, "/fhir/DiagnosticReport", {"study": sent_uid})["total"] == 0
