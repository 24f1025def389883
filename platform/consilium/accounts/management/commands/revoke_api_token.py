from django.core.management.base import BaseCommand, CommandError

from consilium.accounts.models import Site
from consilium.accounts.services import api_clients_revoke_by_name


class Command(BaseCommand):
    help = "Revoke the live token of an API client: from then on it answers 401."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--site", required=True)
        parser.add_argument("--name", required=True)

    def handle(self, *args, site: str, name: str, **options) -> None:
        site_row = Site.objects.filter(slug=site).first()
        if site_row is None:
            raise CommandError(f"No site {site!r}.")
        if not api_clients_revoke_by_name(site=site_row, name=name):
            raise CommandError(f"Site {site!r} has no live API client named {name!r}.")
        self.stdout.write(f"Revoked the token of {name!r} at {site!r}.")
