from django.contrib import admin

from consilium.analyses.models import Analysis, Prediction


class PredictionInline(admin.TabularInline):
    model = Prediction
    extra = 0


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    list_display = ["id", "site", "status", "attempt", "model_version", "created_at"]
    list_filter = ["status", "site"]
    inlines = [PredictionInline]
