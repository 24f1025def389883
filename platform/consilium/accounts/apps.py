from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "consilium.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Registers the bearer-token scheme with drf-spectacular.
        from consilium.accounts import openapi  # noqa: F401
