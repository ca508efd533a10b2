from datetime import datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events.models import Edition
from scoring import assignment, sheets
from scoring.models import CriterionScore, Recusal, ScoreSheet
from submissions import memberships
from submissions.models import Entry
from tests import factories, scenarios
from tests.scenarios import FULL, judged_venue, raw

pytestmark = pytest.mark.django_db


def category_with_venues(n, *, judges=1, **venue_kwargs):
    edition = factories.EditionFactory(status=Edition.Status.JUDGING)
    category = factories.CategoryFactory(edition=edition)
    venues = [judged_venue(judges=judges, entries=0, category=category, **venue_kwargs) for _ in range(n)]
    return category, venues


def accepted(category, n, **kwargs):
    made = []
    for i in range(n):
        made.append(
            factories.EntryFactory(
                category=category,
                edition=category.edition,
                status=Entry.Status.ACCEPTED,
                code=f"{category.code}-{i + 1:04d}-{kwargs.get('topic_type', 'p')[:1]}",
                **kwargs,
            )
        )
    return made


def counts(venues):
    return [Entry.objects.filter(venue=v.venue).count() for v in venues]


def test_assign_balances_the_venues():
    category, venues = category_with_venues(3)
    accepted(category, 7)
    placed = assignment.assign_entries(category=category)
    assert sum(placed.values()) == 7
    assert sorted(counts(venues)) == [2, 2, 3]


def test_assign_takes_only_accepted_entries_of_the_category():
    category, venues = category_with_venues(2)
    accepted(category, 2)
    factories.EntryFactory(category=category, edition=category.edition, status=Entry.Status.SUBMITTED, code="S-1")
    factories.EntryFactory(category=category, edition=category.edition, status=Entry.Status.REJECTED, code="R-1")
    assignment.assign_entries(category=category)
    assert Entry.objects.filter(venue__isnull=False).count() == 2
    assert set(Entry.objects.filter(venue__isnull=False).values_list("status", flat=True)) == {"accepted"}


def test_assign_keeps_one_topic_type_together():
    category, venues = category_with_venues(2)
    accepted(category, 3, topic_type=Entry.TopicType.PROBLEM_SOLVING)
    accepted(category, 3, topic_type=Entry.TopicType.INNOVATION)
    assignment.assign_entries(category=category)
    kinds = [set(Entry.objects.filter(venue=v.venue).values_list("topic_type", flat=True)) for v in venues]
    assert sorted(map(sorted, kinds)) == [["innovation"], ["problem_solving"]]
    assert counts(venues) == [3, 3]


def test_assign_sends_a_topic_type_to_the_venue_marked_for_it():
    category, venues = category_with_venues(2)
    venues[1].venue.topic_type = "innovation"
    venues[1].venue.save()
    accepted(category, 2, topic_type=Entry.TopicType.INNOVATION)
    accepted(category, 2, topic_type=Entry.TopicType.PROBLEM_SOLVING)
    assignment.assign_entries(category=category)
    assert set(Entry.objects.filter(venue=venues[1].venue).values_list("topic_type", flat=True)) == {"innovation"}


def test_assign_avoids_a_venue_where_a_judge_must_recuse():
    category, venues = category_with_venues(2)
    enterprise = factories.EnterpriseFactory()
    judge = venues[0].judges[0]
    memberships.set_membership(judge, enterprise=enterprise)
    # Two entries of the judge's enterprise: both go to the other venue although it unbalances nothing else.
    accepted(category, 2, enterprise=enterprise)
    assignment.assign_entries(category=category)
    assert counts(venues) == [0, 2]
    assert Recusal.objects.count() == 0


def test_assign_records_recusals_when_no_other_venue_is_possible():
    category, venues = category_with_venues(1)
    judge = venues[0].judges[0]
    [entry] = accepted(category, 1, enterprise=factories.EnterpriseFactory(name=judge.organisation))
    assignment.assign_entries(category=category)
    recusal = Recusal.objects.get()
    assert (recusal.entry, recusal.judge, recusal.automatic) == (entry, judge, True)


def test_assign_leaves_assigned_entries_unless_asked_to_reassign():
    category, venues = category_with_venues(2)
    entries = accepted(category, 4)
    for entry in entries:
        entry.venue = venues[0].venue
        entry.save()
    assignment.assign_entries(category=category)
    assert counts(venues) == [4, 0]
    assignment.assign_entries(category=category, reassign=True)
    assert counts(venues) == [2, 2]


def test_assign_refuses_a_category_without_open_venues():
    category = factories.CategoryFactory()
    accepted(category, 1)
    with pytest.raises(ValidationError):
        assignment.assign_entries(category=category)


def test_move_entry_to_another_venue_of_the_category():
    category, venues = category_with_venues(2)
    [entry] = accepted(category, 1)
    assignment.move_entry(entry=entry, venue=venues[1].venue)
    entry.refresh_from_db()
    assert entry.venue == venues[1].venue
    other = factories.VenueFactory()
    with pytest.raises(ValidationError):
        assignment.move_entry(entry=entry, venue=other)


def test_move_entry_refuses_once_it_has_sheets_or_into_a_signed_off_venue():
    category, venues = category_with_venues(2)
    setup = venues[0]
    entry = scenarios.entry(setup.venue)
    sheet = sheets.open_sheet(entry=entry, judge=setup.judges[0])
    sheets.submit_sheet(sheet=sheet, by=setup.judges[0], raw=raw(setup.criteria, FULL), version=1)
    with pytest.raises(ValidationError):
        assignment.move_entry(entry=entry, venue=venues[1].venue)
    venues[1].venue.signed_off_at = timezone.now()
    venues[1].venue.save()
    fresh = scenarios.entry(setup.venue)
    with pytest.raises(ValidationError):
        assignment.move_entry(entry=fresh, venue=venues[1].venue)


def test_move_after_a_draw_puts_the_entry_last():
    category, venues = category_with_venues(2)
    for _n in range(3):
        scenarios.entry(venues[0].venue)
    assignment.draw_running_order(venue=venues[0].venue, seed="abc")
    newcomer = scenarios.entry(venues[1].venue)
    assignment.move_entry(entry=newcomer, venue=venues[0].venue)
    newcomer.refresh_from_db()
    assert newcomer.running_order == 4


# --- the draw -------------------------------------------------------------------------------------


def test_draw_is_reproducible_from_its_seed():
    setup = judged_venue(entries=8)
    first = [e.pk for e in assignment.draw_running_order(venue=setup.venue, seed="2021-09-24-第1分会场")]
    setup.venue.refresh_from_db()
    assert setup.venue.draw_seed == "2021-09-24-第1分会场"
    assert first == assignment.drawn_order([e.pk for e in setup.entries], "2021-09-24-第1分会场")
    assignment.draw_running_order(venue=setup.venue, seed="other")
    again = [e.pk for e in assignment.draw_running_order(venue=setup.venue, seed="2021-09-24-第1分会场")]
    assert again == first
    orders = list(
        Entry.objects.filter(venue=setup.venue).order_by("running_order").values_list("running_order", flat=True)
    )
    assert orders == list(range(1, 9))


def test_draw_without_a_seed_records_a_new_one():
    setup = judged_venue(entries=3)
    assignment.draw_running_order(venue=setup.venue)
    setup.venue.refresh_from_db()
    assert len(setup.venue.draw_seed) == 16
    assert [e.pk for e in assignment.venue_schedule(venue=setup.venue) for e in [e.entry]] == assignment.drawn_order(
        [e.pk for e in setup.entries], setup.venue.draw_seed
    )


def test_draw_refuses_once_judging_started():
    setup = judged_venue(entries=2)
    sheet = sheets.open_sheet(entry=setup.entries[0], judge=setup.judges[0])
    sheets.submit_sheet(sheet=sheet, by=setup.judges[0], raw=raw(setup.criteria, FULL), version=1)
    with pytest.raises(ValidationError):
        assignment.draw_running_order(venue=setup.venue, seed="x")


def test_schedule_times_follow_the_start_and_minutes_per_entry():
    setup = judged_venue(entries=3, start_time=time(8, 30), minutes_per_entry=15, minutes_for_comments=5)
    slots = assignment.venue_schedule(venue=setup.venue)
    day = setup.venue.date
    assert [(s.position, s.starts, s.ends) for s in slots] == [
        (1, datetime.combine(day, time(8, 30)), datetime.combine(day, time(8, 45))),
        (2, datetime.combine(day, time(8, 50)), datetime.combine(day, time(9, 5))),
        (3, datetime.combine(day, time(9, 10)), datetime.combine(day, time(9, 25))),
    ]


# --- views ----------------------------------------------------------------------------------------


def test_category_venues_page_for_the_organiser(client_for):
    category, venues = category_with_venues(2)
    accepted(category, 3)
    organiser = venues[0].organiser
    response = client_for(organiser).get(reverse("scoring:category_venues", args=[category.pk]))
    assert response.status_code == 200
    assert response.content.count(b'data-move="') == 3
    response = client_for(organiser).post(reverse("scoring:assign", args=[category.pk]))
    assert response.status_code == 302
    assert sorted(counts(venues)) == [1, 2]


def test_category_venues_refuses_judges_and_other_organisers(client_for):
    category, venues = category_with_venues(1)
    url = reverse("scoring:category_venues", args=[category.pk])
    assert client_for(venues[0].judges[0]).get(url).status_code == 403
    assert client_for(factories.OrganiserFactory()).get(url).status_code == 403
    assert (
        client_for(factories.OrganiserFactory()).post(reverse("scoring:assign", args=[category.pk])).status_code == 403
    )
    assert Entry.objects.filter(venue__isnull=False).count() == 0


def test_draw_and_move_views(client_for):
    category, venues = category_with_venues(2)
    setup = venues[0]
    for _n in range(3):
        scenarios.entry(setup.venue)
    client = client_for(setup.organiser)
    response = client.post(reverse("scoring:draw", args=[setup.venue.pk]), {"seed": "seed-1"})
    assert response.status_code == 302
    setup.venue.refresh_from_db()
    assert setup.venue.draw_seed == "seed-1"
    entry = Entry.objects.filter(venue=setup.venue).first()
    response = client.post(reverse("scoring:move", args=[entry.pk]), {"venue": venues[1].venue.pk})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.venue == venues[1].venue
    stranger = client_for(setup.judges[0])
    assert stranger.post(reverse("scoring:draw", args=[setup.venue.pk]), {"seed": "x"}).status_code == 403
    assert stranger.post(reverse("scoring:move", args=[entry.pk]), {"venue": setup.venue.pk}).status_code == 403


def test_schedule_page_and_printable_sheet(client_for):
    setup = judged_venue(entries=2)
    assignment.draw_running_order(venue=setup.venue, seed="s")
    for user in (setup.organiser, setup.judges[1]):
        response = client_for(user).get(reverse("scoring:schedule", args=[setup.venue.pk]))
        assert response.status_code == 200
        assert b'data-seed="s"' in response.content
    printable = client_for(setup.organiser).get(reverse("scoring:schedule", args=[setup.venue.pk]) + "?print=1")
    assert printable.status_code == 200
    assert b"navbar" not in printable.content
    assert printable.content.count(b"data-entry=") == 2


def test_schedule_refuses_a_judge_of_another_venue(client_for):
    setup = judged_venue(entries=1)
    response = client_for(factories.JudgeFactory()).get(reverse("scoring:schedule", args=[setup.venue.pk]))
    assert response.status_code == 403


def test_category_venues_page_queries_do_not_grow_with_entries(client_for, django_assert_num_queries):
    category, venues = category_with_venues(3)
    for setup in venues:
        scenarios.entry(setup.venue)
    accepted(category, 1)
    client = client_for(venues[0].organiser)
    url = reverse("scoring:category_venues", args=[category.pk])
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.content.count(b'data-move="') == 4
    for setup in venues:
        for _n in range(9):
            scenarios.entry(setup.venue)
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.content.count(b'data-move="') == 31


def test_an_empty_draft_blocks_no_move_and_goes_with_the_entry():
    from submissions import services as submission_services

    category, venues = category_with_venues(2, judges=2)
    setup = venues[0]
    entry = scenarios.entry(setup.venue)
    empty = sheets.open_sheet(entry=entry, judge=setup.judges[0])
    typed = sheets.open_sheet(entry=entry, judge=setup.judges[1])
    assert list(ScoreSheet.objects.with_input()) == []
    assert submission_services.why_decision_stays(entry) == ""
    # Points typed (or a comment) are judging: the entry stays.
    sheets.save_draft(sheet=typed, by=setup.judges[1], raw={setup.criteria[0].pk: "12"}, version=1)
    assert list(ScoreSheet.objects.with_input()) == [typed]
    with pytest.raises(ValidationError):
        assignment.move_entry(entry=entry, venue=venues[1].venue)
    sheets.save_draft(sheet=typed, by=setup.judges[1], raw={setup.criteria[0].pk: ""}, comment="待补充", version=2)
    with pytest.raises(ValidationError):
        assignment.move_entry(entry=entry, venue=venues[1].venue)
    # Cleared again it blocks nothing; its trail (what was typed) is kept, the untouched draft goes.
    sheets.save_draft(sheet=typed, by=setup.judges[1], raw={setup.criteria[0].pk: ""}, comment="", version=3)
    assignment.move_entry(entry=entry, venue=venues[1].venue)
    assert Entry.objects.get(pk=entry.pk).venue == venues[1].venue
    assert list(ScoreSheet.objects.filter(entry=entry)) == [typed]
    assert not ScoreSheet.objects.filter(pk=empty.pk).exists()


def test_a_sheet_once_submitted_stays_judged_after_a_reopen():
    setup = judged_venue(judges=2, entries=1)
    sheet = scenarios.submitted_sheet(setup, setup.judges[1], setup.entries[0])
    sheets.reopen_sheet(sheet=sheet, by=setup.leader, reason="记录有误")
    CriterionScore.objects.filter(sheet=sheet).delete()
    ScoreSheet.objects.filter(pk=sheet.pk).update(comment="")
    assert list(ScoreSheet.objects.with_input()) == [sheet]
