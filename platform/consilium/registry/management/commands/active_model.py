from django.core.management.base import BaseCommand, CommandError

from consilium.registry.selectors import model_version_active


class Command(BaseCommand):
    help = "Print the checkpoint directory that new analyses use."

    def handle(self, *args, **options) -> None:
        active = model_version_active()
        if active is None:
            raise CommandError(
                "No model is active. Run `make run` or `manage.py register_model DIR`."
            )
        self.stdout.write(active.checkpoint_dir)
