from django.contrib import admin
from django.contrib.auth import get_user_model

from submissions.models import (
    DeadlineExtension,
    DeletedDraft,
    Enterprise,
    Entry,
    EntryFile,
    EntryTransition,
    JoinRequest,
    Member,
    Membership,
    PeopleEvent,
    Recommendation,
    RecommendingUnit,
)


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "province", "status"]
    list_filter = ["status", "province"]
    search_fields = ["name", "credit_code"]


admin.site.register(RecommendingUnit)


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["edition", "enterprise", "unit", "proposed_by_side", "status", "decided_by", "decided_at"]
    list_filter = ["status", "proposed_by_side"]
    search_fields = ["enterprise__name", "unit__name"]
    raw_id_fields = ["enterprise", "proposed_by", "decided_by"]


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(admin.ModelAdmin):
    """Read only: an extension is given on the enterprise's review page, where it is audited and e-mailed."""

    list_display = ["edition", "enterprise", "until", "reason", "by", "at"]
    search_fields = ["enterprise__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeletedDraft)
class DeletedDraftAdmin(admin.ModelAdmin):
    """The trail of deleted drafts: read only."""

    list_display = ["at", "edition", "enterprise", "unit", "title", "by"]
    search_fields = ["enterprise__name", "title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    """Read only: requests are decided on the enterprise's users page; the password hash is never shown."""

    list_display = ["enterprise", "email", "full_name", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["email", "full_name", "enterprise__name"]
    exclude = ["password"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PeopleEvent)
class PeopleEventAdmin(admin.ModelAdmin):
    """The enterprises' users trail, read only."""

    list_display = ["at", "enterprise", "action", "email", "by"]
    list_filter = ["action"]
    search_fields = ["email", "enterprise__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "enterprise", "recommending_unit", "is_administrator", "created_at"]
    list_filter = ["is_administrator"]
    search_fields = ["user__email", "user__full_name", "enterprise__name", "recommending_unit__name"]
    raw_id_fields = ["user", "enterprise"]


class MembershipInline(admin.StackedInline):
    """The user's enterprise or recommending unit, edited on the user's page (the user model lives in portal,
    below this app, so the inline is added here)."""

    model = Membership
    extra = 0
    max_num = 1
    raw_id_fields = ["enterprise"]


_user_admin_class = type(admin.site.get_model_admin(get_user_model()))
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserAdmin(_user_admin_class):
    inlines = [*_user_admin_class.inlines, MembershipInline]


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "enterprise", "category", "status"]
    list_filter = ["edition", "category", "status"]
    search_fields = ["code", "title", "group_name", "enterprise__name"]
    inlines = [MemberInline]


@admin.register(EntryFile)
class EntryFileAdmin(admin.ModelAdmin):
    """Files are private: the admin shows what is stored, never a public link to it."""

    list_display = ["original_name", "entry", "kind", "content_type", "size", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["original_name", "sha256", "entry__title", "entry__code"]
    readonly_fields = ["file", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    raw_id_fields = ["entry"]


@admin.register(EntryTransition)
class EntryTransitionAdmin(admin.ModelAdmin):
    """The record of status changes is kept as it happened."""

    list_display = ["entry", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status"]
    search_fields = ["entry__title", "entry__code", "reason"]
    readonly_fields = ["entry", "from_status", "to_status", "by", "at", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
