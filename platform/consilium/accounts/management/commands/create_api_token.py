from django.core.management.base import BaseCommand, CommandError

from consilium.accounts.models import ApiScope
from consilium.accounts.services import api_client_create, site_get_or_create


class Command(BaseCommand):
    help = "Create the site if missing and an API client for it; print the token alone."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--site", required=True)
        parser.add_argument("--name", required=True, help="Client name, e.g. the PACS's AE title.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=ApiScope.values,
            help="What the token may do; repeat for several. Default: all of "
            f"{', '.join(ApiScope.values)}.",
        )
        parser.add_argument(
            "--rate-limit",
            default="",
            help="This client's limit, e.g. '1200/minute' (default: the API_RATE_LIMIT setting).",
        )

    def handle(
        self, *args, site: str, name: str, scopes: list[str] | None, rate_limit: str, **options
    ) -> None:
        try:
            issued = api_client_create(
                site=site_get_or_create(slug=site), name=name, scopes=scopes, rate_limit=rate_limit
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(issued.token)
