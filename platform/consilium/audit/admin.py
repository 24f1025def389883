from django.contrib import admin

from consilium.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "site", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action", "actor_kind", "site"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
