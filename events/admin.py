from django.contrib import admin

from events.models import Category, Criterion, Edition, EditionStatusChange, GradeRule, PanelMember, Rubric, Venue


class CriterionInline(admin.TabularInline):
    """Criteria of a rubric with a submitted score sheet are read-only here too (see rubrics.save_rubric)."""

    model = Criterion
    extra = 0

    def _unlocked(self, obj):
        return obj is None or not obj.is_locked

    def has_add_permission(self, request, obj=None):
        return self._unlocked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._unlocked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._unlocked(obj) and super().has_delete_permission(request, obj)


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["name", "edition", "kind", "total"]
    inlines = [CriterionInline]


class GradeRuleInline(admin.TabularInline):
    """Read-only: grades change on the portal's category page, which records who changed them and why."""

    model = GradeRule
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "edition", "kind", "aggregation", "ranking_scope"]
    inlines = [GradeRuleInline]


class PanelInline(admin.TabularInline):
    model = PanelMember
    extra = 0


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "edition", "category", "date", "start_time"]
    inlines = [PanelInline]


admin.site.register(Edition)


@admin.register(EditionStatusChange)
class EditionStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["edition", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status"]
