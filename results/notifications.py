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
    # The rows as the e-mail shows them, not model instances: on a national publication, building 20,000 of them
    # (and decoding their frozen protocols) took a quarter of the publication.
    for enterprise_id, code, title, category_name, final_score, rank, grade in (
        PublishedResult.objects.filter(publication=publication)
        .order_by("enterprise_id", "category__position", "rank", "code")
        .values_list("enterprise_id", "code", "title", "category__name", "final_score", "rank", "grade")
    ):
        rows[enterprise_id].append(
            {
                "code": code,
                "title": title,
                "category": {"name": category_name},
                "final_score": final_score,
                "rank": rank,
                "grade": grade,
            }
        )
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
