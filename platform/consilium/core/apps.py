from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "consilium.core"
    label = "core"
