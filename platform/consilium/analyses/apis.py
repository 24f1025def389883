"""REST API for analyses: parse, call one service, return."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consilium.analyses.models import Analysis
from consilium.analyses.selectors import analysis_get
from consilium.analyses.serializers import (
    AnalysisCreatedSerializer,
    AnalysisCreateSerializer,
    AnalysisSerializer,
    analysis_representation,
    analysis_url,
)
from consilium.analyses.services import AnalysisRequestError, analysis_request
from consilium.audit.models import Action
from consilium.audit.services import audit_record
from consilium.explanations.models import ARTIFACT_KINDS, ReportFormat
from consilium.explanations.report import report_generate
from consilium.explanations.selectors import explanation_get_for_analysis
from consilium.explanations.serializers import (
    ExplanationAcceptedSerializer,
    ExplanationRequestSerializer,
)
from consilium.explanations.services import (
    ExplanationNotReadyError,
    ExplanationRequestError,
    explanations_request,
)
from consilium.imaging.selectors import study_get_by_uid


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource is not in a state that allows this yet."
    default_code = "conflict"


class FirstRendererNegotiation(BaseContentNegotiation):
    """Files answer with their own type; errors are JSON whatever the Accept header asks."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _analysis_or_404(request: Request, analysis_id: str) -> Analysis:
    analysis = analysis_get(site=request.user.site, analysis_id=analysis_id)
    if analysis is None:
        raise NotFound("No such analysis at this site.")
    return analysis


class AnalysisListApi(APIView):
    @extend_schema(
        request=AnalysisCreateSerializer,
        responses={202: AnalysisCreatedSerializer},
        summary="Request an analysis of a study by the active model (idempotent).",
    )
    def post(self, request: Request) -> Response:
        payload = AnalysisCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        site = request.user.site
        study = study_get_by_uid(site=site, uid=payload.validated_data["study_instance_uid"])
        if study is None:
            raise NotFound("No study with that StudyInstanceUID at this site.")
        try:
            analysis, _ = analysis_request(site=site, actor=request.auth, study=study)
        except AnalysisRequestError as error:
            raise ValidationError({"study_instance_uid": [str(error)]}) from error
        url = request.build_absolute_uri(analysis_url(analysis))
        return Response(
            {"id": analysis.pk, "status": analysis.status, "url": url},
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )


class AnalysisDetailApi(APIView):
    @extend_schema(
        responses={200: AnalysisSerializer},
        summary="An analysis, its predictions and their explanations.",
    )
    def get(self, request: Request, analysis_id: str) -> Response:
        analysis = _analysis_or_404(request, analysis_id)
        if analysis.is_finished:
            audit_record(
                site=request.user.site,
                actor=request.auth,
                action=Action.ANALYSIS_VIEWED,
                target=analysis,
            )
        representation = analysis_representation(
            analysis,
            explanations=list(analysis.explanations.all()),
            absolute=request.build_absolute_uri,
        )
        return Response(AnalysisSerializer(representation).data)


class AnalysisExplanationsApi(APIView):
    @extend_schema(
        request=ExplanationRequestSerializer,
        responses={
            202: ExplanationAcceptedSerializer,
            200: ExplanationAcceptedSerializer,
            400: OpenApiResponse(description="Unknown finding; the message lists the known ones."),
            404: OpenApiResponse(description="No such analysis at this site."),
            409: OpenApiResponse(description="The analysis has not succeeded yet."),
        },
        summary="Explain any finding of a succeeded analysis (202 queued, 200 already done).",
    )
    def post(self, request: Request, analysis_id: str) -> Response:
        payload = ExplanationRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        analysis = _analysis_or_404(request, analysis_id)
        try:
            (explanation,) = explanations_request(
                analysis=analysis, actor=request.auth, findings=[payload.validated_data["finding"]]
            )
        except ExplanationNotReadyError as error:
            raise Conflict(str(error)) from error
        except ExplanationRequestError as error:
            raise ValidationError({"finding": [str(error)]}) from error
        url = request.build_absolute_uri(analysis_url(analysis))
        return Response(
            {"finding": explanation.finding, "status": explanation.status, "url": url},
            status=status.HTTP_200_OK if explanation.is_finished else status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )


class ExplanationArtifactApi(APIView):
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("artifact", OpenApiTypes.STR, "path", enum=list(ARTIFACT_KINDS))
        ],
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such explanation or picture at this site."),
        },
        summary="A picture of an explanation: heatmap.png (RGBA, the image's size), "
        "overlay.png, image.png, or heatmap.npy (float32).",
    )
    def get(
        self, request: Request, analysis_id: str, explanation_id: int, artifact: str
    ) -> HttpResponse:
        explanation = explanation_get_for_analysis(
            site=request.user.site, analysis_id=analysis_id, explanation_id=explanation_id
        )
        if explanation is None or artifact not in ARTIFACT_KINDS:
            raise NotFound("No such explanation at this site.")
        path = explanation.artifact_path(artifact)
        if not path:
            raise NotFound("This explanation has no image (none yet, or the study has none).")
        response = FileResponse(
            default_storage.open(path, "rb"), content_type=ARTIFACT_KINDS[artifact][1]
        )
        response["Cache-Control"] = "private, max-age=3600"
        return response


class AnalysisReportApi(APIView):
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such analysis at this site."),
            409: OpenApiResponse(description="The analysis has not succeeded yet."),
        },
        summary="The explanation report (PDF); each one generated is recorded in the audit trail.",
        operation_id="analyses_report_pdf",
    )
    def get(self, request: Request, analysis_id: str) -> HttpResponse:
        analysis = _analysis_or_404(request, analysis_id)
        try:
            report = report_generate(analysis=analysis, actor=request.auth, kind=ReportFormat.PDF)
        except ExplanationNotReadyError as error:
            raise Conflict(str(error)) from error
        response = HttpResponse(report.content, content_type=report.content_type)
        response["Content-Disposition"] = f'inline; filename="{report.filename}"'
        response["Cache-Control"] = "no-store"
        return response
