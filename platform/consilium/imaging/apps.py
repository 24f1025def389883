from django.apps import AppConfig


class ImagingConfig(AppConfig):
    name = "consilium.imaging"
    label = "imaging"
