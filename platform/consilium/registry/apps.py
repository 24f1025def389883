from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "consilium.registry"
    label = "registry"
