"""Published results for the public-portal tests, built with the shared factories."""

from decimal import Decimal

from events.models import Edition
from submissions.models import Entry
from tests import factories

PROTOCOL = {
    "aggregation": "trimmed_mean",
    "min_sheets": 3,
    "counted_sheets": 5,
    "sheets": [
        {"total": "80.0", "dropped": "", "tie_points": ["12.0"], "judge": 98765, "judge_name": "张评委"},
        {"total": "91.5", "dropped": "high", "tie_points": ["14.0"], "judge": 98766, "judge_name": "李评委"},
        {"total": "84.0", "dropped": "", "tie_points": ["13.0"], "judge": 98767, "judge_name": "王评委"},
        {"total": "70.5", "dropped": "low", "tie_points": ["10.0"], "judge": 98768, "judge_name": "赵评委"},
        {"total": "88.5", "dropped": "", "tie_points": ["13.5"], "judge": 98769, "judge_name": "钱评委"},
    ],
    "recused": 1,
    "tie_breaks": [
        {"criterion": "选题", "aggregate": "12.833333…", "max": "15", "value": "85.56"},
        {"criterion": "原因分析", "aggregate": "25", "max": "30", "value": "83.33"},
    ],
    "final_score": "84.17",
}


def published_edition(*, status=Edition.Status.PUBLISHED, version=1, **kwargs):
    """An edition and its publication (version 1 unless told)."""
    edition = factories.EditionFactory(status=status, **kwargs)
    publication = factories.PublicationFactory(edition=edition, version=version)
    return edition, publication


def published_row(
    publication,
    *,
    category=None,
    enterprise=None,
    venue=None,
    entry_status=Entry.Status.ACCEPTED,
    title=None,
    group_name=None,
    topic_type=Entry.TopicType.PROBLEM_SOLVING,
    final_score="84.17",
    rank=1,
    grade="标杆",
    grade_position=1,
    protocol=None,
    members=None,
    entry=None,
):
    """An accepted entry and its row in the given publication."""
    edition = publication.edition
    if entry is None:
        category = category or (venue.category if venue else factories.CategoryFactory(edition=edition))
        extra = {"title": title} if title else {}
        if group_name is not None:
            extra["group_name"] = group_name
        entry = factories.EntryFactory(
            category=category,
            enterprise=enterprise or factories.EnterpriseFactory(),
            status=entry_status,
            venue=venue,
            topic_type=topic_type,
            **extra,
        )
    return factories.PublishedResultFactory(
        publication=publication,
        entry=entry,
        venue=venue or entry.venue,
        venue_name=(venue or entry.venue).name if (venue or entry.venue) else "",
        title=entry.title,
        group_name=entry.group_name,
        province=entry.enterprise.province,
        topic_type=entry.topic_type,
        final_score=Decimal(final_score) if final_score is not None else None,
        rank=rank,
        grade=grade,
        grade_position=grade_position if grade else None,
        protocol=PROTOCOL if protocol is None else protocol,
        members=[] if members is None else members,
    )
