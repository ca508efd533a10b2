"""The second demo association: a provincial quality association with a small exchange of its own, judged and
published, so the demo shows one installation serving two associations that see only their own data.

Its administrator made the edition through the organisers' service (the standard QC category), sat a panel of its
own pool (one judge is in both associations' pools) and published four results of demo enterprises that also
enter the national exchange. Called by `manage.py load_demo`; running it again changes nothing.
"""

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from events import services
from events.models import Association, AssociationMember, Edition, Venue
from results.models import ResultRun
from results.publication import publish_results
from results.runs import execute_run
from scoring.models import CriterionScore, ScoreSheet
from submissions.models import Enterprise, Entry, Member
from submissions.validators import example_credit_code

ASSOCIATION = {
    "slug": "zhejiang",
    "name": "浙江省质量协会",
    "short_name": "浙江质协",
    "contact_name": "钱浙江",
    "contact_phone": "0571-87000000",
    "contact_email": "zj-organiser@demo.qc",
    "address": "浙江省杭州市西湖区文三路",
}
EDITION_NAME = "2021年浙江省质量管理小组成果发表交流会"
# (enterprise number in demo.entries.ENTERPRISES, title, group, the share of each criterion's maximum given)
ENTRIES = [
    (1, "降低齿轮箱装配漏油率", "匠心QC小组", "0.92"),
    (2, "提高电机定子绕线一次合格率", "先锋QC小组", "0.86"),
    (3, "缩短液压阀体换型时间", "攻坚QC小组", "0.81"),
    (4, "减少曲轴磨削返修次数", "星火QC小组", "0.74"),
]
# Each judge's leniency, added to the entry's share: the panel does not agree to the point.
LENIENCY = [Decimal("0.00"), Decimal("0.02"), Decimal("-0.02")]


def load_association(*, administrator, judges) -> Association:
    """The association with its administrator and its judges' pool."""
    association, _ = Association.objects.get_or_create(
        slug=ASSOCIATION["slug"], defaults={key: value for key, value in ASSOCIATION.items() if key != "slug"}
    )
    AssociationMember.objects.get_or_create(
        association=association, user=administrator, defaults={"role": AssociationMember.Role.ADMINISTRATOR}
    )
    association.judges.add(*judges)
    return association


def load_provincial_edition(*, association: Association, administrator, judges) -> bool:
    """The association's small exchange, judged and published once; False when it is there already."""
    if Edition.objects.filter(association=association, name=EDITION_NAME, year=2021).exists():
        return False
    edition = services.create_edition(
        by=administrator,
        edition=Edition(
            association=association,
            name=EDITION_NAME,
            number=1,
            year=2021,
            city="杭州",
            starts_on=date(2021, 11, 18),
            ends_on=date(2021, 11, 18),
            hosts=ASSOCIATION["name"],
            submissions_open_at=timezone.make_aware(datetime(2021, 9, 1, 9, 0)),
            submission_deadline=timezone.make_aware(datetime(2021, 10, 31, 23, 59)),
        ),
        categories=["qc"],
    )
    category = edition.categories.get()
    venue = Venue.objects.create(
        edition=edition,
        category=category,
        name="第1分会场",
        room="浙江质协报告厅",
        date=date(2021, 11, 18),
        start_time=time(9, 0),
        minutes_per_entry=15,
        minutes_for_comments=5,
    )
    services.set_panel(venue=venue, judges=judges, leader=judges[0])

    rubric = category.rubric
    criteria = list(rubric.criteria.order_by("position"))
    for order, (number, title, group, share) in enumerate(ENTRIES, start=1):
        entry = Entry.objects.create(
            edition=edition,
            category=category,
            enterprise=Enterprise.objects.get(credit_code=example_credit_code(number)),
            code=f"ZJ-QC-2021-{order:03d}",
            title=title,
            group_name=group,
            topic_type=Entry.TopicType.PROBLEM_SOLVING,
            status=Entry.Status.ACCEPTED,
            venue=venue,
            running_order=order,
            submitted_at=edition.submission_deadline,
        )
        Member.objects.create(entry=entry, position=0, name="组长", group_role="组长", is_leader=True)
        for judge, leniency in zip(judges, LENIENCY, strict=True):
            sheet = ScoreSheet.objects.create(
                entry=entry,
                judge=judge,
                rubric=rubric,
                status=ScoreSheet.Status.SUBMITTED,
                submitted_at=timezone.make_aware(datetime(2021, 11, 18, 12, 0)),
            )
            CriterionScore.objects.bulk_create(
                CriterionScore(sheet=sheet, criterion=criterion, points=_points(criterion.max_points, share, leniency))
                for criterion in criteria
            )
    ScoreSheet.objects.filter(entry__edition=edition).refresh_totals()

    # The panel leader signs the venue off; the edition is judged, computed and published.
    venue.signed_off_at = timezone.make_aware(datetime(2021, 11, 18, 17, 0))
    venue.signed_off_by = judges[0]
    venue.save(update_fields=["signed_off_at", "signed_off_by"])
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.JUDGING)
    edition.refresh_from_db()
    execute_run(run=ResultRun.objects.create(edition=edition, started_by=administrator))
    publish_results(edition=edition, by=administrator)
    return True


def _points(maximum: Decimal, share: str, leniency: Decimal) -> Decimal:
    """Points to half a point, within the criterion's maximum."""
    value = min(Decimal(1), Decimal(share) + leniency) * maximum
    return min(maximum, (value * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2)
