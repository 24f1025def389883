from django.core.management.base import BaseCommand

from consilium.core.demo import demo_model_ensure, demo_seed


class Command(BaseCommand):
    help = "Seed the demo site, clinician and API token, and train/load the demonstration model."

    def handle(self, *args, **options) -> None:
        credentials = demo_seed()
        model = demo_model_ensure(progress=True)
        self.stdout.write(
            f"site {credentials.site}; login {credentials.username} / {credentials.password}; "
            f"token {credentials.api_token}; model {model.name} {model.version}"
        )
