from django.contrib import admin

from consilium.explanations.models import Explanation, ExplanationReport


@admin.register(Explanation)
class ExplanationAdmin(admin.ModelAdmin):
    list_display = ["id", "analysis", "finding", "status", "faithful", "attempt", "finished_at"]
    list_filter = ["status", "faithful"]
    exclude = ["note_text", "words"]  # de-identified, yet not needed to administer jobs


@admin.register(ExplanationReport)
class ExplanationReportAdmin(admin.ModelAdmin):
    list_display = ["id", "site", "analysis", "kind", "generated_by", "generated_at"]
    list_filter = ["kind", "site"]
