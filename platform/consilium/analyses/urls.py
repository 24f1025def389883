from django.urls import path

from consilium.analyses import apis

app_name = "api"

urlpatterns = [
    path("analyses", apis.AnalysisListApi.as_view(), name="analysis-list"),
    path("analyses/<str:analysis_id>", apis.AnalysisDetailApi.as_view(), name="analysis-detail"),
    path(
        "analyses/<str:analysis_id>/explanations",
        apis.AnalysisExplanationsApi.as_view(),
        name="analysis-explanations",
    ),
    path(
        "analyses/<str:analysis_id>/explanations/<int:explanation_id>/<str:artifact>",
        apis.ExplanationArtifactApi.as_view(),
        name="explanation-artifact",
    ),
    path(
        "analyses/<str:analysis_id>/report.pdf",
        apis.AnalysisReportApi.as_view(),
        name="analysis-report",
    ),
]
