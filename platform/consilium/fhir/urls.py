from django.urls import path

from consilium.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.capabilities, name="metadata"),
    path("DocumentReference", views.document_reference_type, name="document-reference-type"),
    path("DocumentReference/<str:note_id>", views.document_reference, name="document-reference"),
    path("DiagnosticReport", views.diagnostic_report_type, name="diagnostic-report-type"),
    path("DiagnosticReport/<str:report_id>", views.diagnostic_report, name="diagnostic-report"),
]
