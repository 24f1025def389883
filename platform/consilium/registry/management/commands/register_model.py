from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consilium.registry.services import ModelCardError, model_version_register


class Command(BaseCommand):
    help = "Register a checkpoint directory as a model version (and make it active unless told not to)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("checkpoint_dir", type=Path)
        parser.add_argument("--no-activate", action="store_true")

    def handle(self, *args, checkpoint_dir: Path, no_activate: bool, **options) -> None:
        try:
            version = model_version_register(
                checkpoint_dir=checkpoint_dir, activate=not no_activate
            )
        except ModelCardError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{version.name} {version.version}: {version.checkpoint_dir}")
