from django.contrib import admin

from consilium.registry.models import ModelVersion


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "is_active", "created_at", "checkpoint_dir"]
