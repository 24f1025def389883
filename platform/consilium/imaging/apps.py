from django.apps import AppConfig


class ImagingConfig(AppConfig):
    name = "consilium.imaging"
    label = "imaging"

    def ready(self) -> None:
        from consilium.imaging import signals  # noqa: F401  (stored files follow their rows)
