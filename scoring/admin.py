from django.contrib import admin

from scoring.models import CriterionScore, Recusal, ScoreSheet, SheetAudit


class ReadOnlyAdmin(admin.ModelAdmin):
    """Score sheets change only through the portal, where every change is checked and audited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScoreSheet)
class ScoreSheetAdmin(ReadOnlyAdmin):
    list_display = ["entry", "judge", "status", "source", "version", "submitted_at"]
    list_filter = ["status", "source", "entry__venue"]
    search_fields = ["entry__code", "judge__email", "judge__full_name"]
    list_select_related = ["entry", "judge"]
    inlines = [CriterionScoreInline]


@admin.register(SheetAudit)
class SheetAuditAdmin(ReadOnlyAdmin):
    list_display = ["at", "sheet", "user", "action", "reason"]
    list_filter = ["action"]
    search_fields = ["sheet__entry__code", "user__email"]
    list_select_related = ["sheet__entry", "sheet__judge", "user"]


@admin.register(Recusal)
class RecusalAdmin(ReadOnlyAdmin):
    list_display = ["entry", "judge", "source", "reason", "lifted_at"]
    list_filter = ["source"]
    search_fields = ["entry__code", "judge__email", "judge__full_name"]
    list_select_related = ["entry", "judge"]
