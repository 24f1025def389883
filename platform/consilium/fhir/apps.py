from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "consilium.fhir"
    label = "fhir"
