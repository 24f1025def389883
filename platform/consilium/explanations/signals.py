"""A deleted explanation takes its heat maps and images with it (consilium.core.stored_files)."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver

from consilium.core.stored_files import stored_files_delete_on_commit
from consilium.explanations.models import ARTIFACT_KINDS, Explanation


@receiver(post_delete, sender=Explanation, dispatch_uid="explanation-artifacts-delete")
def explanation_artifacts_delete(sender, instance: Explanation, **kwargs) -> None:
    stored_files_delete_on_commit(instance.artifact_path(kind) for kind in ARTIFACT_KINDS)
