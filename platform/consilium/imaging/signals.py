"""A deleted instance takes its stored DICOM file with it (see consilium.core.stored_files)."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver

from consilium.core.stored_files import stored_files_delete_on_commit
from consilium.imaging.models import Instance


@receiver(post_delete, sender=Instance, dispatch_uid="instance-file-delete")
def instance_file_delete(sender, instance: Instance, **kwargs) -> None:
    stored_files_delete_on_commit([instance.file.name])
