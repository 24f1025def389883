from django.contrib import admin

from consilium.feedback.models import Feedback, FindingLabel


class FindingLabelInline(admin.TabularInline):
    model = FindingLabel
    fields = ["finding", "verdict", "present", "model_flagged", "listed"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Read-only: labels are history, and a correction is a new submission, never an edit."""

    list_display = ["id", "site", "study", "model_version", "author", "created_at"]
    list_filter = ["site"]
    readonly_fields = ["site", "study", "analysis", "model_version", "author", "comment"]
    inlines = [FindingLabelInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
