"""Entries stay editable until the deadline: change and re-submit, withdraw, delete drafts, per-enterprise
extensions (submissions.services)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import AuditEvent
from submissions import services
from submissions.models import DeadlineExtension, Entry
from tests import factories
from tests.submissions.conftest import upload

QC_DATA = {
    "title": "降低焊缝气孔率（修订）",
    "group_name": "精益QC小组",
    "topic_type": "problem_solving",
    "sub_type": "site",
}
MEMBERS = [{"name": "张三", "is_leader": True}, {"name": "李四"}]


def _close(edition):
    edition.submission_deadline = timezone.now() - timedelta(minutes=1)
    edition.submissions_open_at = timezone.now() - timedelta(days=30)
    edition.save()


@pytest.fixture
def submitted(draft, user_a):
    return services.submit_entry(entry=draft, by=user_a)


def test_a_submitted_entry_changed_before_the_deadline_is_submitted_again(submitted, user_a):
    entry = services.update_entry(entry=submitted, by=user_a, data=QC_DATA, members=MEMBERS)
    entry.refresh_from_db()
    assert (entry.title, entry.status) == ("降低焊缝气孔率（修订）", Entry.Status.SUBMITTED)
    assert list(entry.transitions.values_list("from_status", "to_status", "reason")) == [
        ("draft", "submitted", ""),
        ("submitted", "submitted", "Changed and submitted again by the enterprise."),
    ]
    assert services.changed_during_review(entry) is None  # its review had not started


def test_a_change_during_the_format_review_tells_the_organisers_and_the_review_shows_it(
    submitted, user_a, organiser, django_capture_on_commit_callbacks
):
    services.start_review(entry=submitted, by=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.update_entry(entry=submitted, by=user_a, data=QC_DATA, members=MEMBERS)
    assert entry.status == Entry.Status.SUBMITTED
    assert [message.to for message in mail.outbox] == [[organiser.email]]
    assert mail.outbox[0].subject == "形式审查期间被修改:降低焊缝气孔率（修订）"  # in the organisers' language, Chinese
    changed = services.changed_during_review(entry)
    assert (changed.from_status, changed.to_status, changed.by) == ("under_review", "submitted", user_a)


def test_a_submitted_entry_cannot_be_changed_into_an_incomplete_one(submitted, user_a):
    with pytest.raises(ValidationError) as error:
        services.remove_file(entry=submitted, kind="slides", by=user_a)
    assert error.value.messages == [
        "The entry is submitted, so it must stay complete; it would lack: Slides (PDF or PPTX)."
    ]
    assert sorted(submitted.files.values_list("kind", flat=True)) == ["report", "slides"]
    assert submitted.transitions.count() == 1


def test_a_new_file_on_a_submitted_entry_submits_it_again(submitted, user_a):
    services.attach_file(entry=submitted, kind="report_form", upload=upload(), by=user_a)
    assert list(submitted.transitions.values_list("to_status", flat=True)) == ["submitted", "submitted"]


def test_a_submitted_entry_is_not_submitted_twice(submitted, user_a):
    with pytest.raises(ValidationError) as error:
        services.submit_entry(entry=submitted, by=user_a)
    assert error.value.messages == ["This entry is already submitted; a change you save submits it again."]


def test_a_submitted_entry_cannot_be_changed_after_the_deadline(submitted, user_a):
    _close(submitted.edition)
    with pytest.raises(ValidationError) as error:
        services.update_entry(entry=submitted, by=user_a, data=QC_DATA, members=MEMBERS)
    assert error.value.messages[0].startswith("The submission deadline (")
    submitted.refresh_from_db()
    assert submitted.title == "降低焊缝气孔率"


def test_an_entry_is_withdrawn_with_its_reason_and_the_organisers_are_told(
    submitted, user_a, organiser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.withdraw_entry(entry=submitted, by=user_a, reason="  小组解散  ")
    assert entry.status == Entry.Status.WITHDRAWN
    last = entry.transitions.order_by("-id").first()
    assert (last.from_status, last.to_status, last.reason, last.by) == ("submitted", "withdrawn", "小组解散", user_a)
    assert [message.to for message in mail.outbox] == [[organiser.email]]
    assert "小组解散" in mail.outbox[0].body


def test_an_accepted_entry_withdrawn_leaves_its_venue(submitted, user_a, organiser):
    venue = factories.VenueFactory(category=submitted.category, edition=submitted.edition)
    Entry.objects.filter(pk=submitted.pk).update(status=Entry.Status.ACCEPTED, venue=venue, running_order=1)
    entry = services.withdraw_entry(entry=submitted, by=user_a, reason="不再参加")
    entry.refresh_from_db()
    assert (entry.status, entry.venue_id, entry.running_order) == ("withdrawn", None, None)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_withdrawal_needs_a_reason(submitted, user_a, reason):
    with pytest.raises(ValidationError) as error:
        services.withdraw_entry(entry=submitted, by=user_a, reason=reason)
    assert error.value.messages == ["Please give the reason for withdrawing the entry."]
    submitted.refresh_from_db()
    assert submitted.status == Entry.Status.SUBMITTED


def test_a_withdrawal_is_refused_after_the_deadline(submitted, user_a):
    _close(submitted.edition)
    with pytest.raises(ValidationError):
        services.withdraw_entry(entry=submitted, by=user_a, reason="晚了")
    submitted.refresh_from_db()
    assert submitted.status == Entry.Status.SUBMITTED


def test_a_draft_is_not_withdrawn_but_deleted(draft, user_a):
    with pytest.raises(ValidationError) as error:
        services.withdraw_entry(entry=draft, by=user_a, reason="不要了")
    assert error.value.messages == ["This entry is Draft and cannot be withdrawn."]


def test_a_withdrawn_entry_and_a_deleted_draft_give_their_place_back(qc, enterprise_a, user_a, draft):
    qc.quota_per_enterprise = 2
    qc.save()
    other = factories.EntryFactory(category=qc, enterprise=enterprise_a, title="第二项")
    assert services.quota_left(category=qc, enterprise=enterprise_a) == 0
    services.delete_draft(entry=other, by=user_a)
    assert services.quota_left(category=qc, enterprise=enterprise_a) == 1
    services.submit_entry(entry=draft, by=user_a)
    services.withdraw_entry(entry=draft, by=user_a, reason="换一个成果")
    assert services.quota_left(category=qc, enterprise=enterprise_a) == 2
    assert not Entry.objects.filter(pk=other.pk).exists()


def test_an_extension_opens_the_edition_for_that_enterprise_only(draft, user_a, enterprise_b, organiser):
    edition = draft.edition
    _close(edition)
    until = timezone.now() + timedelta(days=2)
    services.extend_deadline(edition=edition, enterprise=draft.enterprise, until=until, reason="系统故障", by=organiser)
    assert services.deadline_for(edition, draft.enterprise) == until
    assert services.accepts_entries(edition, enterprise=draft.enterprise) is True
    assert services.accepts_entries(edition, enterprise=enterprise_b) is False
    assert services.accepts_entries(edition) is False
    entry = services.submit_entry(entry=draft, by=user_a)
    assert entry.status == Entry.Status.SUBMITTED
    other = factories.EntryFactory(category=draft.category, enterprise=enterprise_b, title="乙的成果")
    with pytest.raises(ValidationError):
        services.update_entry(entry=other, by=None, data={**QC_DATA, "title": "乙改"}, members=MEMBERS)


def test_an_extension_is_audited_and_the_enterprise_is_told(
    draft, user_a, organiser, django_capture_on_commit_callbacks
):
    edition = draft.edition
    until = edition.submission_deadline + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.extend_deadline(
            edition=edition, enterprise=draft.enterprise, until=until, reason="系统故障", by=organiser
        )
    event = AuditEvent.objects.get(action=AuditEvent.Action.DEADLINE_EXTENDED)
    assert (event.edition_id, event.user, event.target, event.reason) == (
        edition.pk,
        organiser,
        draft.enterprise.name,
        "系统故障",
    )
    assert event.new_values == {"until": until.isoformat(), "enterprise": draft.enterprise.pk}
    assert [message.to for message in mail.outbox] == [[user_a.email]]
    assert "系统故障" in mail.outbox[0].body


def test_a_second_extension_replaces_the_first(draft, organiser):
    edition = draft.edition
    first = edition.submission_deadline + timedelta(days=3)
    second = edition.submission_deadline + timedelta(days=1)
    services.extend_deadline(edition=edition, enterprise=draft.enterprise, until=first, reason="一", by=organiser)
    services.extend_deadline(edition=edition, enterprise=draft.enterprise, until=second, reason="二", by=organiser)
    assert list(DeadlineExtension.objects.values_list("until", "reason")) == [(second, "二")]


@pytest.mark.parametrize(
    ("days", "reason", "message"),
    [
        (3, "", "Please give the reason for extending the deadline."),
        (-1, "太早", "The extension must end after the edition's submission deadline."),
    ],
)
def test_an_extension_is_refused_without_a_reason_or_before_the_deadline(draft, organiser, days, reason, message):
    until = draft.edition.submission_deadline + timedelta(days=days)
    with pytest.raises(ValidationError) as error:
        services.extend_deadline(
            edition=draft.edition, enterprise=draft.enterprise, until=until, reason=reason, by=organiser
        )
    assert error.value.messages == [message]
    assert not DeadlineExtension.objects.exists()
    assert not AuditEvent.objects.exists()
