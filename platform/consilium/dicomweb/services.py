"""DICOMweb request limits and QIDO-RS result attributes (de-identified values only)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from consilium.dicomweb.dicomjson import element
from consilium.imaging.models import Instance, Series, Study


class StowRequestError(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StowLimits:
    max_request_bytes: int

    @classmethod
    def from_settings(cls) -> StowLimits:
        return cls(max_request_bytes=settings.STOW_MAX_REQUEST_BYTES)

    def check(self, request: HttpRequest) -> None:
        length = request.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > self.max_request_bytes:
            raise StowRequestError(
                413,
                f"The request is {int(length)} bytes; this server accepts at most "
                f"{self.max_request_bytes} per STOW-RS request. Send the study in several requests.",
            )


def study_dicom_json(study: Study, request: HttpRequest) -> dict:
    attributes = {
        "0020000D": element("UI", study.study_instance_uid),
        "00100020": element("LO", study.patient.pseudonym if study.patient else ""),
        "00080061": element("CS", *[m for m in study.modalities.split("\\") if m]),
        "00081190": element(
            "UR",
            request.build_absolute_uri(reverse("dicomweb:study", args=[study.study_instance_uid])),
        ),
    }
    if study.study_date:
        attributes["00080020"] = element("DA", study.study_date.strftime("%Y%m%d"))
    return attributes


def series_dicom_json(series: Series) -> dict:
    body = {
        "0020000E": element("UI", series.series_instance_uid),
        "00080060": element("CS", series.modality),
    }
    if series.series_number is not None:
        body["00200011"] = element("IS", series.series_number)
    return body


def instance_dicom_json(instance: Instance) -> dict:
    body = {
        "00080016": element("UI", instance.sop_class_uid),
        "00080018": element("UI", instance.sop_instance_uid),
    }
    if instance.instance_number is not None:
        body["00200013"] = element("IS", instance.instance_number)
    if instance.rows:
        body["00280010"] = element("US", instance.rows)
        body["00280011"] = element("US", instance.columns)
    return body
