from django.urls import path

from consilium.fhir import views

app_name = "fhir"

urlpatterns = [
    path("DocumentReference", views.document_reference_create, name="document-reference-create"),
    path(
        "DocumentReference/<uuid:note_id>", views.document_reference_read, name="document-reference"
    ),
    path(
        "DiagnosticReport/<str:report_id>", views.diagnostic_report_read, name="diagnostic-report"
    ),
]
