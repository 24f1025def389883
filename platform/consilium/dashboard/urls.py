from django.urls import path

from consilium.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("studies/<int:pk>/", views.study_detail, name="study"),
    path("studies/<int:pk>/analyse", views.study_analyse, name="study-analyse"),
    path("studies/<int:pk>/explain", views.study_explain, name="study-explain"),
    path("studies/<int:pk>/report/", views.study_report, name="study-report"),
    path("studies/<int:pk>/report.pdf", views.study_report_pdf, name="study-report-pdf"),
    path(
        "explanations/<int:pk>/<str:artifact>",
        views.explanation_artifact,
        name="explanation-artifact",
    ),
    path("studies/<int:pk>/viewer.json", views.study_viewer_manifest, name="study-viewer"),
    path("studies/<int:pk>/progress", views.study_progress, name="study-progress"),
    path("instances/<int:pk>/frames/<int:frame>", views.frame_pixels_view, name="frame-pixels"),
    path("models/<int:pk>/", views.model_card, name="model-card"),
]
