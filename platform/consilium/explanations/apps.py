from django.apps import AppConfig


class ExplanationsConfig(AppConfig):
    name = "consilium.explanations"
    label = "explanations"

    def ready(self) -> None:
        from consilium.explanations import signals  # noqa: F401  (stored files follow their rows)
