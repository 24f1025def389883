"""`manage.py dicom_listener --site SLUG`: a DIMSE C-STORE / C-ECHO SCP for one site."""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from consilium.accounts.models import Site
from consilium.dicomweb.dimse import ListenerConfig, dicom_listener_start


def _ae_title(value: str) -> str:
    if not re.fullmatch(r"[\x20-\x5b\x5d-\x7e]{1,16}", value) or not value.strip():
        raise CommandError(f"{value!r} is not an AE title (1 to 16 printable characters, no '\\').")
    return value.strip()


class Command(BaseCommand):
    help = "Receive DICOM instances over DIMSE (C-STORE) for a site, de-identified like STOW-RS."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--site", required=True, help="Slug of the site instances belong to.")
        parser.add_argument("--port", type=int, default=11112)
        parser.add_argument("--host", default="0.0.0.0", help="Address to listen on.")
        parser.add_argument("--ae-title", default="CONSILIUM", help="This SCP's AE title.")
        parser.add_argument(
            "--allow-calling-aet",
            action="append",
            default=[],
            metavar="AET",
            help="Accept associations only from these calling AE titles (repeatable).",
        )

    def handle(self, *args, **options) -> None:
        site = Site.objects.filter(slug=options["site"]).first()
        if site is None:
            raise CommandError(f"No site {options['site']!r}; create it with create_api_token.")
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        config = ListenerConfig(
            site=site,
            ae_title=_ae_title(options["ae_title"]),
            host=options["host"],
            port=options["port"],
            allowed_calling_aets=tuple(_ae_title(a) for a in options["allow_calling_aet"]),
        )
        self.stdout.write(
            f"Listening as {config.ae_title} on {config.host}:{config.port} for site {site.slug}",
        )
        self.stdout.flush()
        try:
            dicom_listener_start(config=config, block=True)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
