from django.apps import AppConfig


class DicomwebConfig(AppConfig):
    name = "consilium.dicomweb"
    label = "dicomweb"
