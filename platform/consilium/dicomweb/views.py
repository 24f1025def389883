"""DICOMweb (PS3.18): STOW-RS store, QIDO-RS search, WADO-RS retrieve. De-identified data only.

Views parse the request, call the services in `services`, `qido` and `wado`, and shape the answer.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from consilium.core.http import api_client_required
from consilium.dicomweb import qido, wado
from consilium.dicomweb.accept import (
    AcceptError,
    MediaRange,
    accept_parse,
    accepts_dicom_json,
    instance_acceptance,
    pixel_acceptance,
    rendered_media_type,
)
from consilium.dicomweb.dicomjson import stow_response
from consilium.dicomweb.errors import DicomwebError
from consilium.dicomweb.multipart import MultipartError, iter_parts, parse_content_type
from consilium.dicomweb.multipart_writer import (
    OutgoingPart,
    multipart_boundary,
    multipart_content_type,
    multipart_stream,
)
from consilium.dicomweb.services import StowLimits, StowRequestError, stow_instance
from consilium.imaging.models import Instance

DICOM_JSON = "application/dicom+json"


def dicom_json(body, status: int = 200, warnings: Iterable[str] = ()) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=DICOM_JSON)
    _warn(response, warnings)
    return response


def dicomweb_error(status: int, message: str) -> HttpResponse:
    return JsonResponse({"detail": message}, status=status)


def _warn(response: HttpResponse, warnings: Iterable[str]) -> None:
    # PS3.18 8.3.4: a Warning header per thing the server did differently from what was asked.
    text = ", ".join(f'299 consilium "{warning}"' for warning in warnings)
    if text:
        response["Warning"] = text


def dicomweb_view(*methods: str):
    """Bearer auth, the allowed methods, and DicomwebError / AcceptError as JSON 4xx answers."""

    def decorator(view: Callable[..., HttpResponse]):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except DicomwebError as error:
                return dicomweb_error(error.status, str(error))
            except AcceptError as error:
                return dicomweb_error(400, str(error))

        return csrf_exempt(
            require_http_methods(list(methods))(api_client_required(dicomweb_error)(wrapper))
        )

    return decorator


def _accept(request: HttpRequest) -> list[MediaRange]:
    return accept_parse(request.headers.get("Accept"))


def _absolute(request: HttpRequest, path: str) -> str:
    # Behind a proxy, or for clients that send Host without the port, the public root is a setting.
    base = getattr(settings, "DICOMWEB_BASE_URL", "")
    return f"{base.rstrip('/')}{path}" if base else request.build_absolute_uri(path)


def _url_for(request: HttpRequest) -> Callable[..., str]:
    names = {1: "dicomweb:study", 2: "dicomweb:series", 3: "dicomweb:instance"}

    def url_for(*uids: str) -> str:
        return _absolute(request, reverse(names[len(uids)], args=list(uids)))

    return url_for


def instance_url(request: HttpRequest, instance: Instance) -> str:
    series = instance.series
    return _url_for(request)(
        series.study.study_instance_uid, series.series_instance_uid, instance.sop_instance_uid
    )


# --- STOW-RS -------------------------------------------------------------------------------------


def _request_body(request: HttpRequest):
    """The body stream; with chunked transfer coding, the server's own (de-chunked) input."""
    if not request.META.get("CONTENT_LENGTH") and request.META.get("wsgi.input_terminated"):
        return request.META["wsgi.input"]
    return request


def _stow(request: HttpRequest, study_uid: str | None = None) -> HttpResponse:
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
        for part in iter_parts(_request_body(request), params.get("boundary", "")):
            outcomes.append(
                stow_instance(
                    site=request.site,
                    actor=request.api_client,
                    source=part.body,
                    study_uid=study_uid,
                )
            )
    except MultipartError as error:
        if not outcomes:
            return dicomweb_error(400, f"Malformed multipart/related body: {error}")
    if not outcomes:
        return dicomweb_error(400, "The request holds no DICOM parts.")
    stored = [outcome for outcome in outcomes if outcome.succeeded]
    study_uids = {outcome.instance.series.study.study_instance_uid for outcome in stored}
    url_for = _url_for(request)
    body = stow_response(
        outcomes,
        retrieve_url=url_for(next(iter(study_uids))) if len(study_uids) == 1 else None,
        instance_url=lambda instance: instance_url(request, instance),
    )
    status = 200 if len(stored) == len(outcomes) else (202 if stored else 409)
    return dicom_json(body, status=status)


# --- QIDO-RS -------------------------------------------------------------------------------------


def _search(request: HttpRequest, level: str, study_uid=None, series_uid=None) -> HttpResponse:
    if not accepts_dicom_json(_accept(request)):
        raise DicomwebError(406, "QIDO-RS answers application/dicom+json only.")
    scope = (
        wado.retrieve_scope(site=request.site, study_uid=study_uid, series_uid=series_uid)
        if study_uid
        else None
    )
    query = qido.qido_query_parse(level=level, params=request.GET)
    result = qido.qido_search(
        site=request.site,
        query=query,
        url_for=_url_for(request),
        study=scope.study if scope else None,
        series=scope.series if scope else None,
    )
    if not result.matches:
        response = HttpResponse(status=204)
        _warn(response, result.warnings)
        return response
    return dicom_json(result.matches, warnings=result.warnings)


@dicomweb_view("GET", "POST")
def studies(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _stow(request)
    return _search(request, qido.STUDY)


@dicomweb_view("GET")
def all_series(request: HttpRequest) -> HttpResponse:
    return _search(request, qido.SERIES)


@dicomweb_view("GET")
def all_instances(request: HttpRequest) -> HttpResponse:
    return _search(request, qido.INSTANCE)


@dicomweb_view("GET")
def study_series(request: HttpRequest, study_uid: str) -> HttpResponse:
    return _search(request, qido.SERIES, study_uid)


@dicomweb_view("GET")
def study_instances(request: HttpRequest, study_uid: str) -> HttpResponse:
    return _search(request, qido.INSTANCE, study_uid)


@dicomweb_view("GET")
def series_instances(request: HttpRequest, study_uid: str, series_uid: str) -> HttpResponse:
    return _search(request, qido.INSTANCE, study_uid, series_uid)


# --- WADO-RS -------------------------------------------------------------------------------------


def _multipart(part_type: str, parts: Iterable[OutgoingPart]) -> StreamingHttpResponse:
    boundary = multipart_boundary()
    return StreamingHttpResponse(
        multipart_stream(parts, boundary),
        content_type=multipart_content_type(part_type, boundary),
    )


def _retrieve(request: HttpRequest, **uids: str) -> HttpResponse:
    acceptance = instance_acceptance(_accept(request))
    if acceptance is None:
        raise DicomwebError(
            406, 'Instances are sent as multipart/related; type="application/dicom".'
        )
    instances = wado.scope_instances(wado.retrieve_scope(site=request.site, **uids))
    syntaxes = wado.instance_transfer_syntaxes(instances, acceptance)
    parts = (
        wado.instance_part(instance, syntax)
        for instance, syntax in zip(instances, syntaxes, strict=True)
    )
    return _multipart("application/dicom", parts)


def _metadata(request: HttpRequest, **uids: str) -> HttpResponse:
    if not accepts_dicom_json(_accept(request)):
        raise DicomwebError(406, "Metadata is sent as application/dicom+json.")
    instances = wado.scope_instances(wado.retrieve_scope(site=request.site, **uids))
    links = [instance_url(request, instance) for instance in instances]

    def body() -> Iterator[bytes]:
        yield b"["
        for index, (instance, link) in enumerate(zip(instances, links, strict=True)):
            metadata = wado.instance_metadata(instance=instance, instance_url=link)
            yield (b"," if index else b"") + json.dumps(metadata).encode()
        yield b"]"

    return StreamingHttpResponse(body(), content_type=DICOM_JSON)


@dicomweb_view("GET", "POST")
def study(request: HttpRequest, study_uid: str) -> HttpResponse:
    if request.method == "POST":
        return _stow(request, study_uid=study_uid)
    return _retrieve(request, study_uid=study_uid)


@dicomweb_view("GET")
def series(request: HttpRequest, study_uid: str, series_uid: str) -> HttpResponse:
    return _retrieve(request, study_uid=study_uid, series_uid=series_uid)


@dicomweb_view("GET")
def instance(request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str) -> HttpResponse:
    return _retrieve(request, study_uid=study_uid, series_uid=series_uid, sop_uid=sop_uid)


@dicomweb_view("GET")
def study_metadata(request: HttpRequest, study_uid: str) -> HttpResponse:
    return _metadata(request, study_uid=study_uid)


@dicomweb_view("GET")
def series_metadata(request: HttpRequest, study_uid: str, series_uid: str) -> HttpResponse:
    return _metadata(request, study_uid=study_uid, series_uid=series_uid)


@dicomweb_view("GET")
def instance_metadata(
    request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str
) -> HttpResponse:
    return _metadata(request, study_uid=study_uid, series_uid=series_uid, sop_uid=sop_uid)


def _one_instance(request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str) -> Instance:
    scope = wado.retrieve_scope(
        site=request.site, study_uid=study_uid, series_uid=series_uid, sop_uid=sop_uid
    )
    assert scope.instance is not None  # retrieve_scope answers 404 otherwise
    return scope.instance


def _rendered(request: HttpRequest, frames: str | None, **uids: str) -> HttpResponse:
    media_type = rendered_media_type(_accept(request))
    if media_type is None:
        raise DicomwebError(406, "Rendered images are sent as image/jpeg, image/png or image/gif.")
    numbers = wado.frame_numbers_parse(frames) if frames is not None else [1]
    if len(numbers) != 1:
        raise DicomwebError(400, "Ask for one frame at a time to render it.")
    parameters = wado.render_parameters_parse(request.GET)
    image = wado.instance_render(
        instance=_one_instance(request, **uids),
        media_type=media_type,
        frame=numbers[0],
        parameters=parameters,
    )
    return HttpResponse(image, content_type=media_type)


@dicomweb_view("GET")
def instance_rendered(
    request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str
) -> HttpResponse:
    return _rendered(request, None, study_uid=study_uid, series_uid=series_uid, sop_uid=sop_uid)


@dicomweb_view("GET")
def frames_rendered(
    request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str, frames: str
) -> HttpResponse:
    return _rendered(request, frames, study_uid=study_uid, series_uid=series_uid, sop_uid=sop_uid)


def _pixel_acceptance(request: HttpRequest):
    acceptance = pixel_acceptance(_accept(request))
    if acceptance is None:
        raise DicomwebError(
            406,
            'Frames and bulk data are sent as multipart/related; type="application/octet-stream" '
            "(or the stored compressed image type).",
        )
    return acceptance


@dicomweb_view("GET")
def frames(
    request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str, frames: str
) -> HttpResponse:
    acceptance = _pixel_acceptance(request)
    numbers = wado.frame_numbers_parse(frames)
    parts = wado.instance_frames(
        instance=_one_instance(request, study_uid, series_uid, sop_uid),
        numbers=numbers,
        acceptance=acceptance,
    )
    return _multipart(parts[0].content_type.split(";")[0], parts)


@dicomweb_view("GET")
def bulkdata(
    request: HttpRequest, study_uid: str, series_uid: str, sop_uid: str, path: str
) -> HttpResponse:
    acceptance = _pixel_acceptance(request)
    parts = wado.instance_bulkdata(
        instance=_one_instance(request, study_uid, series_uid, sop_uid),
        path=path,
        acceptance=acceptance,
    )
    return _multipart(parts[0].content_type.split(";")[0], parts)
