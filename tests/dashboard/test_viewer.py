"""The study viewer's data: decoded frames, the manifest of series and heat maps, the model card."""

from __future__ import annotations

import json
import struct

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_modality_lut

from consilium.accounts.models import Role
from consilium.accounts.services import site_get_or_create, user_create
from consilium.analyses.models import Analysis
from consilium.analyses.services import analysis_execute, analysis_request
from consilium.imaging.frames import frame_pixels
from consilium.imaging.models import Instance, Study
from consilium.imaging.rendering import RenderError
from consilium.imaging.selectors import study_get_by_uid
from tests.explanations.explanation_support import (
    analysed_and_explained,
    explain_inline,
    top_finding,
)


def decode(payload: bytes) -> tuple[dict, np.ndarray]:
    """What viewer.js does with a frame: JSON header, then float32 or uint8 RGB pixels."""
    (length,) = struct.unpack_from("<I", payload)
    meta = json.loads(payload[4 : 4 + length])
    assert (4 + length) % 4 == 0  # Float32Array needs an aligned offset
    body = payload[4 + length :]
    if meta["kind"] == "grey":
        pixels = np.frombuffer(body, dtype="<f4").reshape(meta["rows"], meta["columns"])
    else:
        pixels = np.frombuffer(body, dtype=np.uint8).reshape(meta["rows"], meta["columns"], 3)
    return meta, pixels


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("CT_small.dcm", "grey"),
        ("MR_small.dcm", "grey"),
        ("SC_rgb.dcm", "rgb"),
        ("JPEG2000.dcm", "grey"),
        ("MR_small_RLE.dcm", "grey"),
        ("MR_small_bigendian.dcm", "grey"),
        ("emri_small.dcm", "grey"),
        ("SC_rgb_rle_2frame.dcm", "rgb"),
        ("OBXXXX1A.dcm", "rgb"),  # palette colour
        ("US1_J2KR.dcm", "rgb"),
    ],
)
def test_real_files_decode_to_frames_the_viewer_reads(name: str, kind: str) -> None:
    path = get_testdata_file(name)
    dataset = pydicom.dcmread(path)
    frames = int(dataset.get("NumberOfFrames", 1) or 1)
    meta, pixels = decode(frame_pixels(path, frame=frames - 1).encode())
    assert meta["kind"] == kind
    assert (meta["rows"], meta["columns"]) == (dataset.Rows, dataset.Columns)
    assert pixels.shape[:2] == (dataset.Rows, dataset.Columns)
    assert meta["windows"] and all(w["width"] > 0 for w in meta["windows"])
    assert meta["minimum"] <= meta["maximum"]


def test_grey_frames_carry_modality_values_and_the_files_own_window_first() -> None:
    ct = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    meta, pixels = decode(frame_pixels(get_testdata_file("CT_small.dcm"), frame=0).encode())
    np.testing.assert_allclose(pixels, apply_modality_lut(ct.pixel_array, ct))  # Hounsfield units
    names = [w["name"] for w in meta["windows"]]
    assert names[:2] == ["Auto", "Full range"] and "Lung" in names  # no window in the file
    mr_meta, _ = decode(frame_pixels(get_testdata_file("MR_small.dcm"), frame=0).encode())
    assert (mr_meta["windows"][0]["centre"], mr_meta["windows"][0]["width"]) == (600.0, 1600.0)


def test_multi_frame_instances_give_each_frame_and_refuse_one_past_the_end() -> None:
    path = get_testdata_file("emri_small.dcm")
    first = decode(frame_pixels(path, frame=0).encode())[1]
    last = decode(frame_pixels(path, frame=9).encode())[1]
    assert not np.array_equal(first, last)
    with pytest.raises(RenderError, match="Frame 11 does not exist"):
        frame_pixels(path, frame=10)


@pytest.fixture
def study_with_explanation(uploaded_study, active_model) -> tuple[Study, Analysis]:
    site, _, sent_uid = uploaded_study
    study, analysis, _ = analysed_and_explained(site, sent_uid)
    return study, analysis


@pytest.mark.django_db
def test_the_study_page_says_where_and_in_what_arithmetic_the_model_ran(
    client, study_with_explanation
) -> None:
    study, analysis = study_with_explanation
    client.force_login(user_create(site=study.site, username="reader", password="long-pass-1"))
    ran = analysis.input_summary["inference"]
    page = client.get(f"/studies/{study.pk}/").content.decode()
    assert f"computed on {ran['device']} in {ran['precision']}" in page
    # the explanation's header repeats the prediction's probability, not the explainer's fp32 one
    from django.template.defaultfilters import floatformat

    predicted = {p.finding: p.probability for p in analysis.predictions.all()}
    explained = list(analysis.explanations.all())
    assert explained
    for explanation in explained:
        header = f"{explanation.finding} · p = {floatformat(predicted[explanation.finding], 3)}"
        assert header in page


@pytest.mark.django_db
def test_the_manifest_lists_series_the_key_image_and_heat_maps(
    client, study_with_explanation
) -> None:
    study, analysis = study_with_explanation
    client.force_login(user_create(site=study.site, username="reader", password="long-pass-1"))
    instance = Instance.objects.get(series__study=study)
    assert analysis.input_summary["key_image"] == {"instance": instance.pk, "frame": 0}

    manifest = client.get(f"/studies/{study.pk}/viewer.json").json()
    (series,) = manifest["series"]
    assert series["modality"] == "CT"
    assert series["instances"] == [
        {
            "id": instance.pk,
            "number": instance.instance_number,
            "frames": 1,
            "rows": 128,
            "columns": 128,
            "pixels": f"/instances/{instance.pk}/frames/1",
        }
    ]
    assert manifest["key_image"] == {"instance": instance.pk, "frame": 0}
    (overlay,) = manifest["overlays"]
    assert overlay["finding"] == top_finding(analysis)
    assert (overlay["width"], overlay["height"]) == (128, 128)  # the key image's size
    assert client.get(overlay["heatmap"])["Content-Type"] == "image/png"

    response = client.get(series["instances"][0]["pixels"])
    assert response.status_code == 200
    meta, pixels = decode(response.content)
    assert meta["kind"] == "grey" and pixels.shape == (128, 128)
    missing = client.get(f"/instances/{instance.pk}/frames/2")
    assert missing.status_code == 422 and b"Frame 2 does not exist" in missing.content


@pytest.mark.django_db
def test_another_sites_user_gets_no_manifest_frame_or_progress(
    client, study_with_explanation
) -> None:
    study, _ = study_with_explanation
    instance = Instance.objects.get(series__study=study)
    client.force_login(
        user_create(site=site_get_or_create(slug="south"), username="other", password="long-pass-2")
    )
    for url in (
        f"/studies/{study.pk}/viewer.json",
        f"/instances/{instance.pk}/frames/1",
        f"/studies/{study.pk}/progress",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_progress_asks_the_page_to_reload_once_work_is_done(
    client, uploaded_study, active_model, django_capture_on_commit_callbacks
) -> None:
    site, _, sent_uid = uploaded_study
    study = study_get_by_uid(site=site, uid=sent_uid)
    client.force_login(user_create(site=site, username="reader", password="long-pass-1"))
    with django_capture_on_commit_callbacks(execute=False):
        analysis, _ = analysis_request(site=site, actor=None, study=study)
    page = client.get(f"/studies/{study.pk}/").content.decode()
    assert f'hx-get="/studies/{study.pk}/progress"' in page
    pending = client.get(f"/studies/{study.pk}/progress", HTTP_HX_REQUEST="true")
    assert b"Analysis queued" in pending.content and "HX-Refresh" not in pending
    analysis_execute(analysis_id=str(analysis.pk), worker="inline")
    analysis.refresh_from_db()
    # The analysis queued explanations of its positive findings; run them, then it is done.
    for explanation in analysis.explanations.all():
        explain_inline(analysis, explanation.finding)
    done = client.get(f"/studies/{study.pk}/progress", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_model_card_and_demo_banner(client, uploaded_study, active_model) -> None:
    site, _, _ = uploaded_study
    active_model.card = {**active_model.card, "disclaimer": "Synthetic data only."}
    active_model.save()
    client.force_login(user_create(site=site, username="reader", password="long-pass-1"))
    worklist = client.get("/").content.decode()
    assert 'data-testid="demo-banner"' in worklist and f"/models/{active_model.pk}/" in worklist
    card = client.get(f"/models/{active_model.pk}/").content.decode()
    assert "Synthetic data only." in card and "Decision support, not a diagnosis" in card
    for finding in active_model.findings:
        assert finding in card
    assert client.get("/models/999999/").status_code == 404


@pytest.mark.django_db
def test_login_locks_out_after_repeated_failures(client, settings) -> None:
    site = site_get_or_create(slug="north")
    user_create(site=site, username="dr-lock", password="right-password-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        failed = client.post("/accounts/login/", {"username": "dr-lock", "password": "wrong"})
        assert failed.status_code in (200, 429)
    locked = client.post(
        "/accounts/login/", {"username": "dr-lock", "password": "right-password-1"}
    )
    assert locked.status_code == 429
    assert b"Too many failed log-ins" in locked.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_role_required_pages_refuse_other_roles(client) -> None:
    site = site_get_or_create(slug="north")
    client.force_login(user_create(site=site, username="clin", password="long-pass-1"))
    assert client.get("/labels/").status_code == 403
    client.force_login(
        user_create(site=site, username="eng", password="long-pass-1", role=Role.ML_ENGINEER)
    )
    assert client.get("/labels/").status_code == 200


@pytest.mark.parametrize("name", ["emri_small.dcm", "SC_rgb_rle_2frame.dcm"])
def test_each_frame_read_alone_equals_the_whole_decode(name: str) -> None:
    """Frames are read one at a time from the file (native and RLE); the values must match."""
    dataset = pydicom.dcmread(get_testdata_file(name))
    whole = dataset.pixel_array
    with open(get_testdata_file(name), "rb") as handle:
        for index in range(int(dataset.NumberOfFrames)):
            meta, pixels = decode(frame_pixels(handle, frame=index).encode())
            expected = whole[index]
            if meta["kind"] == "grey":
                expected = apply_modality_lut(expected, dataset)
            np.testing.assert_array_equal(pixels, expected)


def test_every_shipped_file_gives_a_frame_or_a_reason() -> None:
    """The viewer's decoder over every file pydicom and pydicom-data ship: a frame whose bytes
    match its size, or RenderError with a reason; no other exception (that would be a 500)."""
    from tests.dicomweb.test_stow_corpus import CORPUS

    shown = refused = 0
    for path in CORPUS:
        try:
            meta, pixels = decode(frame_pixels(path, frame=0).encode())
        except RenderError as error:
            assert str(error), path
            refused += 1
            continue
        assert pixels.shape[:2] == (meta["rows"], meta["columns"]), path
        shown += 1
    assert shown > 100 and refused > 0
