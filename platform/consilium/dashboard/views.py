"""Clinician pages: worklist, study viewer with predictions and explanations, reports, images."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from consilium.accounts.models import Role
from consilium.analyses.selectors import analysis_get
from consilium.analyses.services import AnalysisRequestError, analysis_request
from consilium.audit.models import Action
from consilium.audit.services import audit_record
from consilium.dashboard.access import role_required, site_member_required
from consilium.dashboard.selectors import study_view
from consilium.dashboard.viewer import viewer_manifest
from consilium.dashboard.worklist import worklist_findings, worklist_options, worklist_page
from consilium.dashboard.worklist_filters import WorklistFilters
from consilium.explanations.models import ARTIFACT_KINDS, ReportFormat
from consilium.explanations.report import report_generate
from consilium.explanations.selectors import analysis_latest_succeeded, explanation_get
from consilium.explanations.services import ExplanationRequestError, explanations_request
from consilium.imaging.frames import frame_pixels
from consilium.imaging.rendering import RenderError
from consilium.imaging.selectors import instance_get, study_get
from consilium.registry.models import ModelVersion

# Auditors read; they do not start work on a study.
ACTING_ROLES = (Role.CLINICIAN, Role.SITE_ADMIN, Role.ML_ENGINEER)


@require_GET
@site_member_required
def worklist(request: HttpRequest) -> HttpResponse:
    """The site's studies, most urgent first; htmx polls it for the rows alone while any is pending."""
    findings = worklist_findings()
    filters = WorklistFilters.from_query(request.GET, findings=findings)
    worklist = worklist_page(site=request.site, filters=filters, page=request.GET.get("page"))
    context = {"worklist": worklist, "filters": filters, "site": request.site}
    if request.htmx and not request.htmx.boosted:
        response = render(request, "dashboard/_worklist_rows.html", context)
    else:
        context["options"] = worklist_options(site=request.site, findings=findings)
        response = render(request, "dashboard/worklist.html", context)
    patch_vary_headers(response, ["HX-Request"])  # one URL, two bodies: caches must tell them apart
    return response


@require_GET
@site_member_required
def study_detail(request: HttpRequest, pk: int) -> HttpResponse:
    view = study_view(site=request.site, pk=pk)
    if view is None:
        raise Http404("No such study at your site.")
    audit_record(
        site=request.site, actor=request.user, action=Action.STUDY_VIEWED, target=view.study
    )
    context = {"view": view, "site": request.site, "can_act": request.role in ACTING_ROLES}
    return render(request, "dashboard/study.html", context)


@require_POST
@role_required(*ACTING_ROLES)
def study_analyse(request: HttpRequest, pk: int) -> HttpResponse:
    study = study_get(site=request.site, pk=pk)
    if study is None:
        raise Http404("No such study at your site.")
    try:
        analysis_request(site=request.site, actor=request.user, study=study)
    except AnalysisRequestError as error:
        messages.error(request, str(error))
    return redirect("dashboard:study", pk=study.pk)


@require_POST
@role_required(*ACTING_ROLES)
def study_explain(request: HttpRequest, pk: int) -> HttpResponse:
    """Explain one more finding of one of the study's analyses."""
    analysis = analysis_get(site=request.site, analysis_id=request.POST.get("analysis", ""))
    if analysis is None or analysis.study_id != pk:
        raise Http404("No such analysis of this study at your site.")
    try:
        explanations_request(
            analysis=analysis, actor=request.user, findings=[request.POST.get("finding", "")]
        )
    except ExplanationRequestError as error:
        messages.error(request, str(error))
    return redirect("dashboard:study", pk=pk)


def _study_report(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    analysis = analysis_latest_succeeded(site=request.site, study_id=pk)
    if analysis is None:
        raise Http404("No finished analysis of this study at your site.")
    report = report_generate(analysis=analysis, actor=request.user, kind=kind)
    response = HttpResponse(report.content, content_type=report.content_type)
    if kind == ReportFormat.PDF:
        response["Content-Disposition"] = f'inline; filename="{report.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@site_member_required
def study_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _study_report(request, pk, ReportFormat.HTML)


@require_GET
@site_member_required
def study_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _study_report(request, pk, ReportFormat.PDF)


@require_GET
@site_member_required
def explanation_artifact(request: HttpRequest, pk: int, artifact: str) -> HttpResponse:
    explanation = explanation_get(site=request.site, explanation_id=pk)
    if explanation is None or artifact not in ARTIFACT_KINDS:
        raise Http404("No such explanation at your site.")
    path = explanation.artifact_path(artifact)
    if not path:
        raise Http404("This explanation has no image.")
    response = FileResponse(
        default_storage.open(path, "rb"), content_type=ARTIFACT_KINDS[artifact][1]
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@site_member_required
def study_viewer_manifest(request: HttpRequest, pk: int) -> JsonResponse:
    """The viewer's series, images and heat maps, as JSON."""
    study = study_get(site=request.site, pk=pk)
    if study is None:
        raise Http404("No such study at your site.")
    response = JsonResponse(viewer_manifest(study=study).as_json())
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@gzip_page
@site_member_required
def frame_pixels_view(request: HttpRequest, pk: int, frame: int) -> HttpResponse:
    """One decoded frame (1-based, as WADO-RS counts) for the viewer; see imaging.frames."""
    instance = instance_get(site=request.site, pk=pk)
    if instance is None:
        raise Http404("No such image at your site.")
    try:
        with instance.file.open("rb") as handle:
            pixels = frame_pixels(handle, frame=frame - 1)
    except RenderError as error:
        return HttpResponse(str(error), status=422, content_type="text/plain")
    response = HttpResponse(pixels.encode(), content_type="application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@site_member_required
def study_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the study page while work is pending; asks htmx to reload the page once it is done."""
    view = study_view(site=request.site, pk=pk)
    if view is None:
        raise Http404("No such study at your site.")
    if view.pending:
        return render(request, "dashboard/_study_progress.html", {"view": view})
    response = HttpResponse("Done.")
    response["HX-Refresh"] = "true"
    return response


@require_GET
@site_member_required
def model_card(request: HttpRequest, pk: int) -> HttpResponse:
    """A registered model's card: what it predicts, how it was trained and measured, its limits."""
    model = ModelVersion.objects.filter(pk=pk).first()
    if model is None:
        raise Http404("No such model.")
    context = {
        "model": model,
        "site": request.site,
        "card_training": json.dumps(model.card.get("training", {}), indent=2, sort_keys=True),
        "card_metrics": json.dumps(model.card.get("metrics", {}), indent=2, sort_keys=True),
    }
    return render(request, "dashboard/model_card.html", context)
