"""Web feedback -> export_labels -> ml.dataset.read_labelled_set: the set retraining reads."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pydicom
import pytest
from django.core.management import CommandError, call_command

from consilium.audit.models import Action, AuditEvent
from consilium.feedback.services import feedback_submit
from consilium.imaging.models import Instance
from ml.dataset import read_labelled_set

pytestmark = pytest.mark.django_db


def export(out_dir: Path, *args: str) -> str:
    stdout = StringIO()
    call_command("export_labels", "--site", "north", str(out_dir), *args, stdout=stdout)
    return stdout.getvalue()


def test_feedback_round_trips_into_the_training_layout(
    client, analysed, clinician, tmp_path
) -> None:
    findings = analysed.findings
    client.force_login(clinician)
    ct_verdicts = {f"verdict-{finding}": "agree" for finding in findings}
    ct_verdicts["verdict-effusion"] = "disagree"
    ct_verdicts["verdict-pneumonia"] = "disagree"
    mr_verdicts = {f"verdict-{finding}": "disagree" for finding in findings}
    for analysis, verdicts in ((analysed.ct, ct_verdicts), (analysed.mr, mr_verdicts)):
        response = client.post(
            f"/studies/{analysis.study_id}/feedback", {"analysis": str(analysis.pk), **verdicts}
        )
        assert response.status_code == 302

    out_dir = tmp_path / "labelled"
    summary = export(out_dir)
    assert summary.strip().endswith(f"-> {out_dir}")
    assert "exported 2 studies, skipped 0" in summary

    labelled = read_labelled_set(out_dir)
    assert labelled.findings == tuple(findings)
    studies = {study.study_id: study for study in labelled.studies}
    ct_uid, mr_uid = analysed.ct.study.study_instance_uid, analysed.mr.study.study_instance_uid
    assert set(studies) == {ct_uid, mr_uid}
    # flagged: cardiomegaly, effusion; agree keeps the flag, disagree inverts it
    assert dict(zip(findings, studies[ct_uid].labels, strict=True)) == {
        "cardiomegaly": 1,
        "effusion": 0,
        "nodule": 0,
        "pneumothorax": 0,
        "opacity": 0,
        "pneumonia": 1,
        "edema": 0,
        "copd": 0,
    }
    assert dict(zip(findings, studies[mr_uid].labels, strict=True)) == {
        finding: int(finding not in ("cardiomegaly", "effusion")) for finding in findings
    }
    ct = studies[ct_uid]
    assert ct.note == analysed.ct.study.notes.get().text
    assert "heart failure" in ct.note and "John Smith" not in ct.note
    assert studies[mr_uid].note is None
    stored = Instance.objects.filter(series__study=analysed.ct.study, rows__isnull=False)
    assert len(ct.dicom_paths) == stored.count() >= 1
    dataset = pydicom.dcmread(ct.dicom_paths[0])
    assert dataset.StudyInstanceUID == ct_uid and dataset.pixel_array.size > 0
    assert ct.dicom_paths[0].read_bytes() == stored.first().file.read()

    event = AuditEvent.objects.get(action=Action.LABELS_EXPORTED)
    assert event.site == analysed.site and event.actor_kind == "system"
    assert sorted(event.details["studies"]) == sorted([analysed.ct.study_id, analysed.mr.study_id])
    assert event.details["findings"] == findings and event.details["skipped"] == 0


def test_partly_reviewed_studies_are_skipped_and_said_so(analysed, clinician, tmp_path) -> None:
    feedback_submit(
        analysis=analysed.ct, author=clinician, verdicts=dict.fromkeys(analysed.findings, "agree")
    )
    feedback_submit(analysis=analysed.mr, author=clinician, verdicts={"nodule": "agree"})
    summary = export(tmp_path / "set")
    assert (
        f"skipped study {analysed.mr.study_id}: no label yet for cardiomegaly, effusion" in summary
    )
    assert "exported 1 studies, skipped 1" in summary
    [study] = read_labelled_set(tmp_path / "set").studies
    assert study.study_id == analysed.ct.study.study_instance_uid


def test_a_free_text_finding_is_exported_when_named(analysed, clinician, tmp_path) -> None:
    feedback_submit(
        analysis=analysed.mr,
        author=clinician,
        verdicts={"copd": "disagree"},
        missed=["rib fracture"],
    )
    summary = export(tmp_path / "set", "--findings", "copd, rib fracture")
    assert "exported 1 studies, skipped 0, findings copd, rib fracture" in summary
    labelled = read_labelled_set(tmp_path / "set")
    assert labelled.findings == ("copd", "rib fracture")
    assert [study.labels for study in labelled.studies] == [(1, 1)]
    assert labelled.studies[0].note is None and labelled.studies[0].dicom_paths


def test_refusals_write_nothing(analysed, clinician, tmp_path) -> None:
    with pytest.raises(CommandError, match="No site has the slug 'west'"):
        call_command("export_labels", "--site", "west", str(tmp_path / "a"))
    feedback_submit(analysis=analysed.mr, author=clinician, verdicts={"nodule": "agree"})
    with pytest.raises(CommandError, match="No study at this site is labelled for every one"):
        export(tmp_path / "b")
    with pytest.raises(CommandError, match="No study at this site has a label for: nodle"):
        export(tmp_path / "c", "--findings", "nodle")
    busy = tmp_path / "d"
    busy.mkdir()
    (busy / "labels.csv").write_text("old")
    with pytest.raises(CommandError, match="is not an empty folder"):
        export(busy, "--findings", "nodule")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["d"]
    assert (busy / "labels.csv").read_text() == "old"
    assert not AuditEvent.objects.filter(action=Action.LABELS_EXPORTED).exists()
