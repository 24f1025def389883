"""DICOMweb (PS3.18): STOW-RS store, QIDO-RS search, WADO-RS retrieve. De-identified data only."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from consilium.core.http import api_client_required
from consilium.dicomweb.dicomjson import stow_response
from consilium.dicomweb.multipart import MultipartError, iter_parts, parse_content_type
from consilium.dicomweb.services import (
    StowLimits,
    StowRequestError,
    instance_dicom_json,
    series_dicom_json,
    study_dicom_json,
)
from consilium.imaging.models import Instance, Series, Study
from consilium.imaging.selectors import study_get_by_uid
from consilium.imaging.services import instance_ingest

DICOM_JSON = "application/dicom+json"


def dicom_json(body, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type=DICOM_JSON)


def dicomweb_error(status: int, message: str) -> HttpResponse:
    return JsonResponse({"detail": message}, status=status)


def instance_url(request: HttpRequest, instance: Instance) -> str:
    series = instance.series
    return request.build_absolute_uri(
        reverse(
            "dicomweb:instance",
            args=[
                series.study.study_instance_uid,
                series.series_instance_uid,
                instance.sop_instance_uid,
            ],
        )
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
@api_client_required(dicomweb_error)
def studies(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _stow(request)
    return _qido_studies(request)


def _stow(request: HttpRequest) -> HttpResponse:
    media_type, params = parse_content_type(request.headers.get("Content-Type", ""))
    if media_type != "multipart/related":
        return dicomweb_error(
            415, 'STOW-RS needs Content-Type multipart/related; type="application/dicom".'
        )
    part_type = params.get("type", "application/dicom").lower()
    if part_type != "application/dicom":
        return dicomweb_error(
            415, f'Only type="application/dicom" parts are accepted, not {part_type!r}.'
        )
    try:
        StowLimits.from_settings().check(request)
    except StowRequestError as error:
        return dicomweb_error(error.status, str(error))
    outcomes = []
    try:
        for part in iter_parts(request, params.get("boundary", "")):
            outcomes.append(
                instance_ingest(site=request.site, actor=request.api_client, source=part.body)
            )
    except MultipartError as error:
        if not outcomes:
            return dicomweb_error(400, f"Malformed multipart/related body: {error}")
    if not outcomes:
        return dicomweb_error(400, "The request holds no DICOM parts.")
    stored = [outcome for outcome in outcomes if outcome.succeeded]
    study_uids = {outcome.instance.series.study.study_instance_uid for outcome in stored}
    retrieve = (
        request.build_absolute_uri(reverse("dicomweb:study", args=[next(iter(study_uids))]))
        if len(study_uids) == 1
        else None
    )
    body = stow_response(
        outcomes, retrieve_url=retrieve, instance_url=lambda i: instance_url(request, i)
    )
    status = 200 if len(stored) == len(outcomes) else (202 if stored else 409)
    return dicom_json(body, status=status)


def _qido_studies(request: HttpRequest) -> HttpResponse:
    queryset = Study.objects.filter(site=request.site).select_related("patient")
    uid = request.GET.get("StudyInstanceUID") or request.GET.get("0020000D")
    if uid:
        study = study_get_by_uid(site=request.site, uid=uid)
        queryset = queryset.filter(pk=study.pk if study else None)
    try:
        limit = min(int(request.GET.get("limit", 100)), 1000)
        offset = max(int(request.GET.get("offset", 0)), 0)
    except ValueError:
        return dicomweb_error(400, "limit and offset must be integers.")
    studies_page = list(queryset.order_by("-created_at")[offset : offset + limit])
    if not studies_page:
        return HttpResponse(status=204)
    return dicom_json([study_dicom_json(study, request) for study in studies_page])


def _study_or_404(request: HttpRequest, study_uid: str) -> Study | None:
    return study_get_by_uid(site=request.site, uid=study_uid)


@require_http_methods(["GET"])
@api_client_required(dicomweb_error)
def study_series(request: HttpRequest, study_uid: str) -> HttpResponse:
    study = _study_or_404(request, study_uid)
    if study is None:
        return dicomweb_error(404, "No such study at this site.")
    return dicom_json([series_dicom_json(series) for series in study.series.all()])


@require_http_methods(["GET"])
@api_client_required(dicomweb_error)
def series_instances(request: HttpRequest, study_uid: str, series_uid: str) -> HttpResponse:
    study = _study_or_404(request, study_uid)
    series = (
        Series.objects.filter(study=study, series_instance_uid=series_uid).first()
        if study
        else None
    )
    if series is None:
        return dicomweb_error(404, "No such series at this site.")
    return dicom_json([instance_dicom_json(instance) for instance in series.instances.all()])


@require_http_methods(["GET"])
@api_client_required(dicomweb_error)
def study(request: HttpRequest, study_uid: str) -> HttpResponse:
    study_row = _study_or_404(request, study_uid)
    if study_row is None:
        return dicomweb_error(404, "No such study at this site.")
    instances = Instance.objects.filter(series__study=study_row).select_related("series")
    return _multipart_dicom(instances)


@require_http_methods(["GET"])
@api_client_required(dicomweb_error)
def instance(request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str) -> HttpResponse:
    study_row = _study_or_404(request, study_uid)
    instances = Instance.objects.filter(
        series__study=study_row, series__series_instance_uid=series_uid, sop_instance_uid=sop_uid
    )
    if study_row is None or not instances.exists():
        return dicomweb_error(404, "No such instance at this site.")
    return _multipart_dicom(instances)


def _multipart_dicom(instances) -> HttpResponse:
    boundary = "consilium-wado-boundary"
    chunks = []
    for row in instances:
        with row.file.open("rb") as handle:
            chunks.append(
                f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode()
                + handle.read()
                + b"\r\n"
            )
    chunks.append(f"--{boundary}--\r\n".encode())
    return HttpResponse(
        b"".join(chunks),
        content_type=f'multipart/related; type="application/dicom"; boundary={boundary}',
    )
