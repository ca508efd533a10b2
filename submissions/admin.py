from django.contrib import admin

from submissions.models import Enterprise, Entry, EntryFile, EntryTransition, Member, RecommendingUnit


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "province", "status"]
    list_filter = ["status", "province"]
    search_fields = ["name", "credit_code"]


admin.site.register(RecommendingUnit)


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "enterprise", "category", "status"]
    list_filter = ["edition", "category", "status"]
    search_fields = ["code", "title", "group_name", "enterprise__name"]
    inlines = [MemberInline]


admin.site.register(EntryFile)
admin.site.register(EntryTransition)
