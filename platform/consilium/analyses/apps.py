from django.apps import AppConfig


class AnalysesConfig(AppConfig):
    name = "consilium.analyses"
    label = "analyses"

    def ready(self) -> None:
        from consilium.analyses import signals  # noqa: F401  (worker start-up recovery)
