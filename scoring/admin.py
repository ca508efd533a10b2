from django.contrib import admin

from scoring.models import (
    CriterionScore,
    Publication,
    PublishedResult,
    Recusal,
    Result,
    ResultRun,
    ScoreSheet,
    SheetAudit,
)


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    extra = 0


@admin.register(ScoreSheet)
class ScoreSheetAdmin(admin.ModelAdmin):
    list_display = ["entry", "judge", "status", "submitted_at"]
    list_filter = ["status"]
    inlines = [CriterionScoreInline]


for model in (Recusal, SheetAudit, ResultRun, Result, Publication, PublishedResult):
    admin.site.register(model)
