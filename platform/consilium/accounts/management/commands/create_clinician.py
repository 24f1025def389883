from django.core.management.base import BaseCommand, CommandError

from consilium.accounts.services import site_get_or_create, user_create


class Command(BaseCommand):
    help = "Create a clinician user of a site (the site is created if missing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--site", required=True)
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *args, site: str, username: str, password: str, **options) -> None:
        if len(password) < 8:
            raise CommandError("The password must have at least 8 characters.")
        user_create(site=site_get_or_create(slug=site), username=username, password=password)
