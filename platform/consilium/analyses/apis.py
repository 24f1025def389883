"""REST API for analyses: parse, call one service, return."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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
from consilium.imaging.selectors import study_get_by_uid


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
    @extend_schema(responses={200: AnalysisSerializer}, summary="An analysis and its predictions.")
    def get(self, request: Request, analysis_id: str) -> Response:
        analysis = analysis_get(site=request.user.site, analysis_id=analysis_id)
        if analysis is None:
            raise NotFound("No such analysis at this site.")
        if analysis.is_finished:
            audit_record(
                site=request.user.site,
                actor=request.auth,
                action=Action.ANALYSIS_VIEWED,
                target=analysis,
            )
        return Response(AnalysisSerializer(analysis_representation(analysis)).data)
