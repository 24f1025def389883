from django.core.management.base import BaseCommand, CommandError

from consilium.accounts.models import Role
from consilium.accounts.services import site_get_or_create, user_create


class Command(BaseCommand):
    help = (
        "Create a user of a site (the site is created if missing): a clinician unless --role "
        "says otherwise."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--site", required=True)
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--role", choices=Role.values, default=Role.CLINICIAN)

    def handle(self, *args, site: str, username: str, password: str, role: str, **options) -> None:
        if len(password) < 8:
            raise CommandError("The password must have at least 8 characters.")
        user_create(
            site=site_get_or_create(slug=site), username=username, password=password, role=role
        )
