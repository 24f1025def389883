"""Deleting a study deletes its stored DICOM files and its explanations' heat maps, on commit."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from consilium.explanations.models import ARTIFACT_KINDS
from consilium.imaging.models import Instance, Study
from tests.explanations.explanation_support import analysed_and_explained


@pytest.mark.django_db
def test_a_deleted_study_leaves_no_files_behind(
    uploaded_study, active_model, django_capture_on_commit_callbacks
) -> None:
    site, _, sent_uid = uploaded_study
    study, _, explanation = analysed_and_explained(site, sent_uid)
    files = [i.file.name for i in Instance.objects.filter(series__study=study)]
    files += [explanation.artifact_path(kind) for kind in ARTIFACT_KINDS]
    files = [name for name in files if name]
    study_pk = study.pk
    assert len(files) >= 4 and all(default_storage.exists(name) for name in files)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        study.delete()
        raise RuntimeError("roll back")
    assert all(default_storage.exists(name) for name in files)  # a rolled-back delete keeps them

    with django_capture_on_commit_callbacks(execute=True) as deletions:
        Study.objects.get(pk=study_pk).delete()
    assert deletions  # the files go once the deletion commits
    assert not any(default_storage.exists(name) for name in files)
