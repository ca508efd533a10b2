"""The e-mail each enterprise gets when a venue's running order is drawn (scoring.assignment)."""

from datetime import date, time

from django.core import mail

from scoring import assignment
from tests import factories, scenarios


def test_the_draw_tells_each_enterprise_its_entries_venue_time_and_place(db, django_capture_on_commit_callbacks):
    category = scenarios.category()
    venue, _judges = scenarios.venue(
        category, judges=0, date=date(2021, 9, 24), start_time=time(9, 0), minutes_per_entry=15, room="A厅"
    )
    venue.minutes_for_comments = 5
    venue.save()
    first = scenarios.entry(venue, title="甲的成果", presenter="张三")
    second = scenarios.entry(venue, title="乙的成果")
    clerk_first = factories.EnterpriseUserFactory(enterprise=first.enterprise)
    clerk_second = factories.EnterpriseUserFactory(enterprise=second.enterprise)
    with django_capture_on_commit_callbacks(execute=True):
        drawn = assignment.draw_running_order(venue=venue, seed="2021")
    position = {entry.pk: entry.running_order for entry in drawn}
    told = {tuple(message.to): message for message in mail.outbox}
    assert set(told) == {(clerk_first.email,), (clerk_second.email,)}
    body = told[(clerk_first.email,)].body
    starts = ["09:00", "09:20"][position[first.pk] - 1]
    ends = ["09:15", "09:35"][position[first.pk] - 1]
    # Rendered in Chinese, the portal's language (the lead fills in the new sentences' translation).
    assert f"\n{position[first.pk]}. {first.code} 甲的成果 · 2021-09-24 {starts}–{ends} · 发表人: 张三\n" in body
    assert "A厅" in body
    assert "乙的成果" not in body
    assert venue.name in told[(clerk_first.email,)].subject


def test_an_entry_moved_into_a_drawn_venue_is_told_its_new_place_and_nobody_else_is(
    db, django_capture_on_commit_callbacks
):
    category = scenarios.category()
    old_venue, _judges = scenarios.venue(category, judges=0)
    new_venue, _judges = scenarios.venue(
        category, judges=0, date=date(2021, 9, 24), start_time=time(9, 0), minutes_per_entry=15, room="B厅"
    )
    staying = scenarios.entry(new_venue, title="原有成果")
    moving = scenarios.entry(old_venue, title="调来的成果")
    factories.EnterpriseUserFactory(enterprise=staying.enterprise)
    clerk = factories.EnterpriseUserFactory(enterprise=moving.enterprise)
    assignment.draw_running_order(venue=new_venue, seed="2021")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assignment.move_entry(entry=moving, venue=new_venue)

    assert [message.to for message in mail.outbox] == [[clerk.email]]
    body = mail.outbox[0].body
    assert f"\n2. {moving.code} 调来的成果 · 2021-09-24 09:20–09:35"  # 15 minutes and 5 for comments each in body
    assert "B厅" in body and "原有成果" not in body


def test_an_entry_moved_into_a_venue_not_drawn_yet_waits_for_the_draw(db, django_capture_on_commit_callbacks):
    category = scenarios.category()
    old_venue, _judges = scenarios.venue(category, judges=0)
    new_venue, _judges = scenarios.venue(category, judges=0)
    moving = scenarios.entry(old_venue)
    factories.EnterpriseUserFactory(enterprise=moving.enterprise)

    with django_capture_on_commit_callbacks(execute=True):
        assignment.move_entry(entry=moving, venue=new_venue)

    assert mail.outbox == []
