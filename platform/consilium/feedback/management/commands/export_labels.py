from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consilium.accounts.models import Site
from consilium.feedback.export import LabelExportError, labelled_set_export
from consilium.feedback.selectors import LabelledSetError


class Command(BaseCommand):
    help = (
        "Write a site's clinician-labelled studies to OUT_DIR (labels.csv, DICOM files, notes) "
        "in the layout `python -m ml.train OUT_DIR` reads."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("out_dir", type=Path, help="a new or empty folder")
        parser.add_argument("--site", required=True, help="the site's slug")
        parser.add_argument(
            "--findings",
            default="",
            help="comma-separated findings (default: the active model's); a study enters when "
            "every one has a label",
        )

    def handle(self, *args, out_dir: Path, site: str, findings: str, **options) -> None:
        found = Site.objects.filter(slug=site).first()
        if found is None:
            raise CommandError(f"No site has the slug '{site}'.")
        chosen = [finding for finding in findings.split(",") if finding.strip()] or None
        try:
            result = labelled_set_export(site=found, out_dir=out_dir, findings=chosen)
        except (LabelExportError, LabelledSetError) as error:
            raise CommandError(str(error)) from error
        for skipped in result.skipped:
            self.stdout.write(f"skipped study {skipped.study.pk}: {skipped.reason}")
        self.stdout.write(
            f"exported {result.exported} studies, skipped {len(result.skipped)}, "
            f"findings {', '.join(result.findings)} -> {result.out_dir}"
        )
