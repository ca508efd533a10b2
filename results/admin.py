from django.contrib import admin

from results.models import AwardList, Publication, PublishedResult, Result, ResultRun
from scoring.admin import ReadOnlyAdmin

# Results and publications change only through the results engine and publish_results, which write the audit
# (events.AuditEvent): an edit here would change an award silently.
for model in (ResultRun, Result, Publication, PublishedResult):
    admin.site.register(model, ReadOnlyAdmin)
admin.site.register(AwardList)
