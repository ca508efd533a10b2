"""Judging's answers to the questions events asks about rubrics, panels and the edition dashboard (events.hooks)."""

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import ngettext

from events import hooks
from events.models import Category, Edition
from scoring.models import CriterionScore, Recusal, ScoreSheet
from scoring.progress import venues_progress
from submissions.models import Entry


@hooks.register(hooks.RUBRIC_LOCKED)
def rubric_has_submitted_sheets(*, rubric) -> bool:
    return (
        rubric.pk is not None and ScoreSheet.objects.filter(rubric=rubric, status=ScoreSheet.Status.SUBMITTED).exists()
    )


@hooks.register(hooks.SHEETS_OFF_RUBRIC)
def sheets_left_out_by_new_rubrics(*, category, rubric, innovation_rubric) -> int:
    """The sheets of the category's entries on the rubric each entry is judged on now that, with the new rubrics,
    would no longer be on it (the results leave such a sheet out: DOMAIN.md section 5)."""
    if category.pk is None:
        return 0
    stored = Category.objects.select_related("rubric", "innovation_rubric").get(pk=category.pk)
    new = Category(rubric=rubric, innovation_rubric=innovation_rubric)
    rows = (
        ScoreSheet.objects.filter(entry__category_id=category.pk)
        .order_by()
        .values_list("rubric_id", "entry__topic_type")
        .annotate(count=Count("pk"))
    )
    left_out = 0
    for rubric_id, topic_type, count in rows:
        now, then = stored.rubric_for(topic_type), new.rubric_for(topic_type)
        if now is not None and rubric_id == now.pk and (then is None or then.pk != rubric_id):
            left_out += count
    return left_out


@hooks.register(hooks.CRITERIA_REMOVED)
def forget_points_on_removed_criteria(*, rubric, criterion_ids) -> None:
    """Draft points on a removed criterion go with it (submitted ones cannot exist: the rubric is not locked)."""
    CriterionScore.objects.filter(criterion_id__in=criterion_ids).delete()
    ScoreSheet.objects.filter(rubric=rubric).refresh_totals()


@hooks.register(hooks.JUDGES_WITH_SHEETS)
def judges_with_submitted_sheets(*, venue, judge_ids) -> set:
    return set(
        ScoreSheet.objects.filter(entry__venue=venue, judge_id__in=judge_ids, status=ScoreSheet.Status.SUBMITTED)
        .values_list("judge_id", flat=True)
        .distinct()
    )


@hooks.register(hooks.DASHBOARD_SECTIONS)
def venue_progress_section(*, edition) -> list:
    venues = edition.venues.select_related("category").order_by(
        "category__position", "category_id", "date", "start_time", "name"
    )
    context = {"venues": venues_progress(venues), "categories": edition.categories.order_by("position", "pk")}
    return [hooks.Section(order=20, template="scoring/_dashboard_venues.html", context=context)]


@hooks.register(hooks.ENTRY_JUDGED)
def entry_has_sheets(*, entry) -> bool:
    return ScoreSheet.objects.filter(entry=entry).with_input().exists()


@hooks.register(hooks.JUDGE_RECUSED)
def judge_is_recused(*, entry, judge) -> bool:
    return Recusal.objects.filter(entry=entry, judge=judge, lifted_at__isnull=True).exists()


@hooks.register(hooks.TODO)
def judging_todo(*, edition) -> list:
    """Accepted entries without a venue (linked to the assignment of the first category that has some), venues with
    entries but no drawn running order, and while the edition is judged: sheets missing and venues not signed off
    (linked to the live board)."""
    items = []
    unassigned = dict(
        Entry.objects.filter(edition=edition, status=Entry.Status.ACCEPTED, venue__isnull=True)
        .order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
    )
    if unassigned:
        first = edition.categories.filter(pk__in=unassigned).order_by("position", "pk").first()
        count = sum(unassigned.values())
        items.append(
            hooks.Todo(
                order=20,
                label=ngettext(
                    "%(count)s accepted entry is not assigned to a venue",
                    "%(count)s accepted entries are not assigned to a venue",
                    count,
                )
                % {"count": count},
                count=count,
                url=reverse("scoring:category_venues", args=[first.pk]),
            )
        )
    undrawn = list(
        edition.venues.filter(draw_seed="", entries__isnull=False)
        .distinct()
        .order_by("category__position", "category_id", "name")
        .values_list("category_id", flat=True)
    )
    if undrawn:
        items.append(
            hooks.Todo(
                order=22,
                label=ngettext(
                    "%(count)s venue has no drawn running order",
                    "%(count)s venues have no drawn running order",
                    len(undrawn),
                )
                % {"count": len(undrawn)},
                count=len(undrawn),
                url=reverse("scoring:category_venues", args=[undrawn[0]]),
            )
        )
    if edition.status == Edition.Status.JUDGING:
        board = f"{reverse('scoring:live_board')}?edition={edition.pk}"
        open_venues = venues_progress(edition.venues.filter(signed_off_at__isnull=True).select_related("category"))
        missing = sum(len(grid.missing) for grid in open_venues)
        items.append(
            hooks.Todo(
                order=24,
                label=ngettext("%(count)s score sheet is missing", "%(count)s score sheets are missing", missing)
                % {"count": missing},
                count=missing,
                url=board,
            )
        )
        items.append(
            hooks.Todo(
                order=26,
                label=ngettext(
                    "%(count)s venue is not signed off", "%(count)s venues are not signed off", len(open_venues)
                )
                % {"count": len(open_venues)},
                count=len(open_venues),
                url=board,
            )
        )
    return items
