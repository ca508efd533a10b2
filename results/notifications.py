"""E-mails to the enterprises about their results: when a publication is made, one e-mail per enterprise listing
its entries' outcomes as the publication froze them (extend `notify_enterprises` to tell more, e.g. certificates)."""

from collections import defaultdict

from django.conf import settings

from portal.mail import queue_email
from results.models import PublishedResult
from submissions.models import Enterprise
from submissions.services import emails_by_enterprise


def notify_enterprises(publication) -> int:
    """One e-mail to each enterprise with entries in the publication; returns how many enterprises were told."""
    rows = defaultdict(list)
    for row in (
        PublishedResult.objects.filter(publication=publication)
        .select_related("category")
        .order_by("enterprise_id", "category__position", "rank", "code")
    ):
        rows[row.enterprise_id].append(row)
    enterprises = Enterprise.objects.in_bulk(list(rows))
    addresses = emails_by_enterprise(list(rows))
    for enterprise_id, enterprise_rows in rows.items():
        queue_email(
            to=addresses.get(enterprise_id, []),
            template="results/email/results_published",
            context={
                "publication": publication,
                "edition": publication.edition,
                "enterprise": enterprises[enterprise_id],
                "rows": enterprise_rows,
                "site_url": settings.SITE_URL,
            },
            signed_by=publication.edition.association.name,
        )
    return len(rows)
