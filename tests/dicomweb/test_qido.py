"""QIDO-RS through the real views: matching keys, paging, includefield, warnings and errors."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consilium.imaging.models import Instance, Series, Study
from tests.dicomweb.conftest import stow
from tests.helpers import auth, dicom_testfile, dicom_with, site_token

pytestmark = pytest.mark.django_db

STUDY_UID, PATIENT_ID = "0020000D", "00100020"


def ct_copy(n: int, **attributes: object) -> bytes:
    """CT_small as another study of another patient."""
    return dicom_with(
        "CT_small.dcm",
        StudyInstanceUID=f"1.2.826.0.1.3680043.8.498.{n}.1",
        SeriesInstanceUID=f"1.2.826.0.1.3680043.8.498.{n}.2",
        SOPInstanceUID=f"1.2.826.0.1.3680043.8.498.{n}.3",
        PatientID=f"QIDO-{n}",
        **attributes,
    )


@pytest.fixture
def archive(client):
    _, token = site_token("qido")
    payloads = [
        dicom_testfile("CT_small.dcm").read_bytes(),
        dicom_testfile("MR_small.dcm").read_bytes(),
        ct_copy(1, StudyDate="20100101"),
        ct_copy(2, StudyDate="20150615"),
        ct_copy(3, StudyDate="20200101"),
    ]
    assert stow(client, token, *payloads).status_code == 200
    return token


def search(client, token: str, path: str = "/dicomweb/studies", **params):
    return client.get(path, params, **auth(token))


def uids(response, tag: str = STUDY_UID) -> set[str]:
    if response.status_code == 204:
        return set()
    assert response.status_code == 200, response.content
    return {match[tag]["Value"][0] for match in response.json()}


def test_every_study_of_the_site_with_its_counts(client, archive) -> None:
    response = search(client, archive)
    assert response["Content-Type"] == "application/dicom+json"
    matches = response.json()
    assert len(matches) == 5
    for match in matches:
        study = Study.objects.get(study_instance_uid=match[STUDY_UID]["Value"][0])
        assert match["00201206"]["Value"] == [1]
        assert match["00201208"]["Value"] == [1]
        assert match["00080061"]["Value"] == [study.modalities]
        assert match["00081190"]["Value"][0].endswith(
            f"/dicomweb/studies/{study.study_instance_uid}"
        )
        assert match[PATIENT_ID]["Value"] == [study.patient.pseudonym]
        assert match["00100010"]["Value"] == [{"Alphabetic": study.patient.pseudonym}]


def test_patient_id_matches_the_pseudonym_also_with_wildcards(client, archive) -> None:
    study = Study.objects.get(modalities="MR")
    pseudonym = study.patient.pseudonym
    assert uids(search(client, archive, PatientID=pseudonym)) == {study.study_instance_uid}
    assert uids(search(client, archive, PatientID=pseudonym[:6] + "*")) >= {
        study.study_instance_uid
    }
    assert uids(search(client, archive, PatientID=pseudonym[:-1] + "?")) == {
        study.study_instance_uid
    }
    assert search(client, archive, PatientID="4MR1").status_code == 204  # the id as sent is gone
    assert uids(search(client, archive, PatientName=pseudonym)) == {study.study_instance_uid}


def test_study_date_single_and_ranges(client, archive) -> None:
    dated = sorted(Study.objects.exclude(study_date=None), key=lambda s: s.study_date)
    assert len(dated) == 5
    first, middle, last = dated[0], dated[2], dated[-1]

    def day(study: Study) -> str:
        return study.study_date.strftime("%Y%m%d")

    assert uids(search(client, archive, StudyDate=day(middle))) == {
        s.study_instance_uid for s in dated if s.study_date == middle.study_date
    }
    between = uids(search(client, archive, StudyDate=f"{day(first)}-{day(middle)}"))
    assert between == {s.study_instance_uid for s in dated if s.study_date <= middle.study_date}
    since = uids(search(client, archive, StudyDate=f"{day(middle)}-"))
    assert since == {s.study_instance_uid for s in dated if s.study_date >= middle.study_date}
    until = uids(search(client, archive, StudyDate=f"-{day(first)}"))
    assert until == {s.study_instance_uid for s in dated if s.study_date <= first.study_date}
    assert last.study_instance_uid in since


def test_modalities_and_study_uids(client, archive) -> None:
    mr = Study.objects.get(modalities="MR")
    assert uids(search(client, archive, ModalitiesInStudy="MR")) == {mr.study_instance_uid}
    assert len(uids(search(client, archive, ModalitiesInStudy="CT,MR"))) == 5
    cts = list(Study.objects.filter(modalities="CT")[:2])
    listed = ",".join(s.study_instance_uid for s in cts)
    assert uids(search(client, archive, StudyInstanceUID=listed)) == {
        s.study_instance_uid for s in cts
    }
    sent = "1.2.826.0.1.3680043.8.498.2.1"  # as the hospital sent it
    (match,) = search(client, archive, **{"0020000D": sent}).json()
    assert match[STUDY_UID]["Value"][0] != sent


def test_series_and_instance_keys(client, archive) -> None:
    series = Series.objects.get(modality="MR")
    found = search(client, archive, "/dicomweb/series", Modality="MR")
    assert uids(found, "0020000E") == {series.series_instance_uid}
    (match,) = found.json()
    assert match[STUDY_UID]["Value"] == [series.study.study_instance_uid]  # study attributes too
    assert match[PATIENT_ID]["Value"] == [series.study.patient.pseudonym]
    assert match["00201209"]["Value"] == [1]
    sent_series = "1.2.826.0.1.3680043.8.498.3.2"
    assert (
        len(
            uids(
                search(client, archive, "/dicomweb/series", SeriesInstanceUID=sent_series),
                "0020000E",
            )
        )
        == 1
    )

    instance = Instance.objects.get(series=series)
    path = f"/dicomweb/studies/{series.study.study_instance_uid}/series/{series.series_instance_uid}/instances"
    (match,) = search(client, archive, path).json()
    assert match["00080018"]["Value"] == [instance.sop_instance_uid]
    assert match["00280010"]["Value"] == [instance.rows]
    by_sop = search(
        client, archive, "/dicomweb/instances", SOPInstanceUID=instance.sop_instance_uid
    )
    assert uids(by_sop, "00080018") == {instance.sop_instance_uid}
    by_class = search(
        client, archive, "/dicomweb/instances", SOPClassUID="1.2.840.10008.5.1.4.1.1.2"
    )
    assert len(by_class.json()) == 4
    study_path = f"/dicomweb/studies/{series.study.study_instance_uid}/instances"
    assert uids(search(client, archive, study_path), "00080018") == {instance.sop_instance_uid}
    assert search(client, archive, study_path, InstanceNumber="999").status_code == 204


def test_limit_and_offset_page_with_a_warning_while_more_remain(client, archive) -> None:
    first = search(client, archive, limit="2")
    second = search(client, archive, limit="2", offset="2")
    last = search(client, archive, limit="2", offset="4")
    assert "more results" in first["Warning"] and "more results" in second["Warning"]
    assert not last.has_header("Warning")
    pages = [uids(page) for page in (first, second, last)]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert len(set().union(*pages)) == 5
    assert search(client, archive, offset="5").status_code == 204


def test_includefield_all_and_named_attributes(client, archive) -> None:
    plain = search(client, archive, "/dicomweb/instances", limit="1").json()[0]
    assert "00083002" not in plain
    every = search(client, archive, "/dicomweb/instances", limit="1", includefield="all").json()[0]
    assert every["00083002"]["Value"] == ["1.2.840.10008.1.2.1"]
    assert every["00120062"]["Value"] == ["YES"]
    named = search(client, archive, includefield="00120062", limit="1")
    assert named.json()[0]["00120062"]["Value"] == ["YES"]
    unheld = search(client, archive, includefield="StudyDescription", limit="1")
    assert "StudyDescription" in unheld["Warning"]


def test_fuzzy_matching_and_unknown_keys_are_ignored_with_a_warning(client, archive) -> None:
    fuzzy = search(client, archive, fuzzymatching="true")
    assert len(fuzzy.json()) == 5 and "fuzzymatching" in fuzzy["Warning"]
    unknown = search(client, archive, AccessionNumber="A123", _="1700000000")
    assert len(unknown.json()) == 5
    assert "AccessionNumber" in unknown["Warning"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "ten"},
        {"limit": "0"},
        {"offset": "-1"},
        {"fuzzymatching": "maybe"},
        {"StudyDate": "2020"},
        {"StudyDate": "20201301"},
        {"StudyDate": "20200102-20200101"},
        {"StudyInstanceUID": "not-a-uid"},
        {"includefield": "NoSuchKeyword"},
    ],
)
def test_bad_parameters_are_400_with_a_reason(client, archive, params) -> None:
    response = search(client, archive, **params)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_instance_number_must_be_an_integer(client, archive) -> None:
    response = search(client, archive, "/dicomweb/instances", InstanceNumber="one")
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/dicomweb/studies", "/dicomweb/series", "/dicomweb/instances"])
def test_a_page_costs_the_same_queries_whatever_its_size(client, archive, path) -> None:
    counts = []
    for limit in ("1", "5"):
        with CaptureQueriesContext(connection) as queries:
            response = search(client, archive, path, limit=limit)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_other_sites_see_nothing(client, archive) -> None:
    _, other = site_token("elsewhere")
    study = Study.objects.first()
    assert search(client, other).status_code == 204
    assert search(client, other, "/dicomweb/instances").status_code == 204
    scoped = f"/dicomweb/studies/{study.study_instance_uid}/series"
    assert search(client, other, scoped).status_code == 404


def test_only_dicom_json_is_offered(client, archive) -> None:
    response = client.get("/dicomweb/studies", HTTP_ACCEPT="application/dicom+xml", **auth(archive))
    assert response.status_code == 406
