from django.apps import AppConfig


class ExplanationsConfig(AppConfig):
    name = "consilium.explanations"
    label = "explanations"
