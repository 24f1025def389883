from django.urls import path

from consilium.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_trail, name="trail"),
    path("events.csv", views.audit_trail_csv, name="trail-csv"),
]
