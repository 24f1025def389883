from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "consilium.core"
    label = "core"

    def ready(self) -> None:
        # Bind @shared_task to the configured app in every Django process (web, shell, tests).
        from consilium.celery import app  # noqa: F401
