from django.urls import path

from consilium.analyses import apis

app_name = "api"

urlpatterns = [
    path("analyses", apis.AnalysisListApi.as_view(), name="analysis-list"),
    path("analyses/<str:analysis_id>", apis.AnalysisDetailApi.as_view(), name="analysis-detail"),
]
