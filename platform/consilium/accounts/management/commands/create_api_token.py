from django.core.management.base import BaseCommand

from consilium.accounts.services import api_client_create, site_get_or_create


class Command(BaseCommand):
    help = "Create the site if missing and an API client for it; print the token alone."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--site", required=True)
        parser.add_argument("--name", required=True, help="Client name, e.g. the PACS's AE title.")

    def handle(self, *args, site: str, name: str, **options) -> None:
        issued = api_client_create(site=site_get_or_create(slug=site), name=name)
        self.stdout.write(issued.token)
