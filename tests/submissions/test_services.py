import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from events.models import Edition
from submissions import services
from submissions.models import Enterprise, Entry, EntryFile, EntryTransition
from tests import factories
from tests.conftest import need, postgres_available
from tests.submissions.conftest import EXE_BYTES, PDF_BYTES, pptx_bytes, upload

pytestmark = pytest.mark.django_db

QC_DATA = {
    "title": "提高装配一次合格率",
    "group_name": "精益QC小组",
    "topic_type": Entry.TopicType.PROBLEM_SOLVING,
    "sub_type": Entry.SubType.SITE,
}
MEMBERS = [{"name": "王五", "group_role": "组长", "post": "工程师", "is_leader": True}, {"name": "赵六"}]


def test_create_entry_makes_a_draft_with_members_and_a_transition(qc, enterprise_a, user_a):
    entry = services.create_entry(category=qc, enterprise=enterprise_a, by=user_a, data=QC_DATA, members=MEMBERS)
    assert (entry.status, entry.edition_id, entry.created_by) == (Entry.Status.DRAFT, qc.edition_id, user_a)
    assert [(m.position, m.name, m.group_role, m.is_leader) for m in entry.members.all()] == [
        (1, "王五", "组长", True),
        (2, "赵六", "", False),
    ]
    assert list(entry.transitions.values_list("from_status", "to_status", "by")) == [("", "draft", user_a.pk)]


def test_create_entry_refuses_a_second_entry_with_the_same_title(qc, enterprise_a, user_a):
    services.create_entry(category=qc, enterprise=enterprise_a, by=user_a, data=QC_DATA, members=[])
    with pytest.raises(ValidationError) as error:
        services.create_entry(category=qc, enterprise=enterprise_a, by=user_a, data=QC_DATA, members=[])
    assert error.value.messages == ["Your enterprise already has an entry with this title in this edition."]
    assert Entry.objects.count() == 1


def test_create_entry_allows_the_same_title_for_another_enterprise(qc, enterprise_a, enterprise_b, user_a, user_b):
    services.create_entry(category=qc, enterprise=enterprise_a, by=user_a, data=QC_DATA, members=[])
    services.create_entry(category=qc, enterprise=enterprise_b, by=user_b, data=QC_DATA, members=[])
    assert Entry.objects.filter(title=QC_DATA["title"]).count() == 2


def test_create_entry_enforces_the_quota_per_enterprise(qc, enterprise_a, user_a):
    qc.quota_per_enterprise = 2
    qc.save()
    factories.EntryFactory(category=qc, enterprise=enterprise_a)
    factories.EntryFactory(category=qc, enterprise=enterprise_a, status=Entry.Status.REJECTED)
    services.create_entry(category=qc, enterprise=enterprise_a, by=user_a, data=QC_DATA, members=[])
    with pytest.raises(ValidationError) as error:
        services.create_entry(
            category=qc, enterprise=enterprise_a, by=user_a, data={**QC_DATA, "title": "第三项"}, members=[]
        )
    assert error.value.messages == ["Your enterprise already has 2 entries in QC小组成果, the most allowed."]
    assert services.quota_left(category=qc, enterprise=enterprise_a) == 0


def test_create_entry_refuses_after_the_deadline(qc, enterprise_a, user_a):
    qc.edition.submission_deadline = timezone.now() - timedelta(minutes=1)
    qc.edition.save()
    with pytest.raises(ValidationError) as error:
        services.create_entry(category=qc, enterprise=enterprise_a, by=user_a, data=QC_DATA, members=[])
    assert error.value.messages[0].startswith("The submission deadline (")
    assert Entry.objects.count() == 0


def test_create_entry_refuses_an_enterprise_not_approved(qc, enterprise_a, user_a):
    enterprise_a.status = Enterprise.Status.PENDING
    enterprise_a.save()
    with pytest.raises(ValidationError):
        services.create_entry(category=qc, enterprise=enterprise_a, by=user_a, data=QC_DATA, members=[])
    assert Entry.objects.count() == 0


def test_create_entry_refuses_two_group_leaders(qc, enterprise_a, user_a):
    members = [{"name": "甲", "is_leader": True}, {"name": "乙", "is_leader": True}]
    with pytest.raises(ValidationError):
        services.create_entry(category=qc, enterprise=enterprise_a, by=user_a, data=QC_DATA, members=members)
    assert Entry.objects.count() == 0


def test_create_entry_refuses_members_without_a_leader(qc, enterprise_a, user_a):
    members = [{"name": "甲"}, {"name": "乙"}]
    with pytest.raises(ValidationError) as raised:
        services.create_entry(category=qc, enterprise=enterprise_a, by=user_a, data=QC_DATA, members=members)
    assert raised.value.messages == ["Mark exactly one member as the group leader (组长); 0 are marked."]
    assert Entry.objects.count() == 0


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        ([], ""),
        ([True], ""),
        ([False, True, False], ""),
        ([False, False], "Mark exactly one member as the group leader (组长); 0 are marked."),
        ([True, True], "Mark exactly one member as the group leader (组长); 2 are marked."),
    ],
)
def test_leader_error_wants_exactly_one_leader_when_there_are_members(flags, error):
    assert services.leader_error(flags) == error


def test_quotas_left_counts_all_but_rejected_and_deferred_entries(qc, enterprise_a, enterprise_b):
    qc.quota_per_enterprise = 3
    qc.save()
    unlimited = factories.CategoryFactory(edition=qc.edition, quota_per_enterprise=None)
    for status in (Entry.Status.DRAFT, Entry.Status.ACCEPTED, Entry.Status.REJECTED, Entry.Status.DEFERRED):
        factories.EntryFactory(category=qc, enterprise=enterprise_a, status=status)
    factories.EntryFactory(category=qc, enterprise=enterprise_b)
    assert services.quotas_left(categories=[qc, unlimited], enterprise=enterprise_a) == {qc.pk: 1, unlimited.pk: None}
    assert services.quota_left(category=qc, enterprise=enterprise_b) == 2


def test_entry_fields_of_an_unknown_kind_are_those_of_other():
    assert services.entry_fields("unknown") == services.ENTRY_FIELDS_BY_KIND["other"]


@pytest.mark.parametrize(
    ("status", "now_offset", "open_"),
    [("open", -1, True), ("open", 1, False), ("closed", -1, False), ("draft", -1, False)],
)
def test_accepts_entries_follows_status_and_deadline(edition, status, now_offset, open_):
    edition.status = status
    edition.submission_deadline = timezone.now() - timedelta(days=now_offset)
    edition.save()
    assert services.accepts_entries(edition) is open_


def test_accepts_entries_waits_for_the_opening(edition):
    edition.submissions_open_at = timezone.now() + timedelta(days=1)
    edition.submission_deadline = timezone.now() + timedelta(days=5)
    edition.save()
    assert services.accepts_entries(edition) is False


def test_update_entry_replaces_members(draft, user_a):
    services.update_entry(
        entry=draft, by=user_a, data={**QC_DATA, "title": "新标题"}, members=[{"name": "孙七", "is_leader": True}]
    )
    draft.refresh_from_db()
    assert (draft.title, list(draft.members.values_list("name", flat=True))) == ("新标题", ["孙七"])


def test_update_entry_refuses_an_accepted_entry(draft, user_a):
    draft.status = Entry.Status.ACCEPTED
    draft.save()
    with pytest.raises(ValidationError) as error:
        services.update_entry(entry=draft, by=user_a, data={**QC_DATA, "title": "改"}, members=[])
    assert error.value.messages == ["This entry is Accepted and can no longer be changed."]
    draft.refresh_from_db()
    assert draft.title == "降低焊缝气孔率"


def test_update_entry_refuses_after_the_deadline(draft, user_a):
    draft.edition.submission_deadline = timezone.now() - timedelta(seconds=1)
    draft.edition.save()
    with pytest.raises(ValidationError):
        services.update_entry(entry=draft, by=user_a, data={**QC_DATA, "title": "改"}, members=[])
    draft.refresh_from_db()
    assert draft.title == "降低焊缝气孔率"


def test_update_entry_clears_the_sub_type_of_an_innovation_topic(draft, user_a):
    data = {**QC_DATA, "topic_type": Entry.TopicType.INNOVATION, "sub_type": Entry.SubType.SITE}
    services.update_entry(entry=draft, by=user_a, data=data, members=[])
    draft.refresh_from_db()
    assert (draft.topic_type, draft.sub_type) == ("innovation", "")


def test_attach_file_stores_a_random_name_and_the_hash(qc, enterprise_a, user_a):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a)
    stored = services.attach_file(entry=entry, kind="report", upload=upload("../../我的报告.pdf"), by=user_a)
    assert stored.original_name == "我的报告.pdf"
    assert stored.content_type == "application/pdf"
    assert stored.size == len(PDF_BYTES)
    assert len(stored.sha256) == 64
    assert "我的报告" not in stored.file.name and ".." not in stored.file.name
    assert stored.file.name.startswith("entries/") and stored.file.name.endswith(".pdf")
    with stored.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES


def test_attach_file_replaces_the_previous_file_of_that_kind(
    qc, enterprise_a, user_a, django_capture_on_commit_callbacks
):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a)
    first = services.attach_file(entry=entry, kind="slides", upload=upload("a.pdf"), by=user_a)
    old_name = first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        second = services.attach_file(entry=entry, kind="slides", upload=upload("b.pptx", pptx_bytes()), by=user_a)
    assert EntryFile.objects.filter(entry=entry).count() == 1
    assert (second.pk, second.original_name, second.content_type) == (
        first.pk,
        "b.pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    )
    assert not second.file.storage.exists(old_name)


def test_remove_file_takes_the_file_off_the_entry_and_out_of_storage(
    qc, enterprise_a, user_a, django_capture_on_commit_callbacks
):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a)
    stored = services.attach_file(entry=entry, kind="slides", upload=upload("a.pdf"), by=user_a)
    name, storage = stored.file.name, stored.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remove_file(entry=entry, kind="slides", by=user_a) == "a.pdf"
    assert not EntryFile.objects.filter(entry=entry).exists()
    assert not storage.exists(name)
    with pytest.raises(ValidationError) as error:  # a second click
        services.remove_file(entry=entry, kind="slides", by=user_a)
    assert error.value.messages == ["This entry has no such file (it may have been removed already)."]


def test_remove_file_refuses_an_entry_under_review_and_keeps_the_file(draft, user_a):
    draft.status = Entry.Status.SUBMITTED
    draft.save()
    with pytest.raises(ValidationError):
        services.remove_file(entry=draft, kind="report", by=user_a)
    assert draft.files.filter(kind="report").exists()


def test_attach_file_refuses_a_renamed_exe_and_keeps_the_old_file(draft, user_a):
    before = draft.files.get(kind="report")
    with pytest.raises(ValidationError):
        services.attach_file(entry=draft, kind="report", upload=upload("report.pdf", EXE_BYTES), by=user_a)
    assert draft.files.get(kind="report").sha256 == before.sha256


def test_missing_items_lists_what_a_qc_entry_lacks(qc, enterprise_a):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a, topic_type="", sub_type="", group_name="")
    assert services.missing_items(entry) == [
        "the topic type",
        "the group name",
        "the members",
        "Report (PDF)",
        "Slides (PDF or PPTX)",
    ]


def test_missing_items_wants_exactly_one_leader(draft):
    draft.members.update(is_leader=False)
    assert services.missing_items(draft) == ["the group leader among the members"]


def test_missing_items_wants_the_members_of_an_other_kind_of_entry(enterprise_a):
    other = factories.CategoryFactory(
        kind="other", requires_report=False, requires_slides=False, requires_report_form=False, requires_video=False
    )
    entry = factories.EntryFactory(category=other, enterprise=enterprise_a)
    assert services.missing_items(entry) == ["the members"]


def test_missing_items_of_a_complete_entry_is_empty(draft):
    assert services.missing_items(draft) == []


def test_missing_items_of_a_brand_story_wants_the_speaker(edition, enterprise_a):
    story = factories.CategoryFactory(edition=edition, kind="brand_story", requires_report=False)
    entry = factories.EntryFactory(category=story, enterprise=enterprise_a, presenter="")
    assert services.missing_items(entry) == ["the speaker"]


def test_submit_entry_records_the_transition_and_tells_the_enterprise(
    draft, user_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_entry(entry=draft, by=user_a)
    draft.refresh_from_db()
    assert draft.status == Entry.Status.SUBMITTED
    assert draft.submitted_at is not None
    assert list(draft.transitions.values_list("from_status", "to_status")) == [("draft", "submitted")]
    assert [message.to for message in mail.outbox] == [[user_a.email]]
    assert "降低焊缝气孔率" in mail.outbox[0].subject
    assert mail.outbox[0].body.endswith("\n\n中国机械工业质量管理协会\n")  # the edition's association signs it


def test_submit_entry_refuses_an_incomplete_entry(qc, enterprise_a, user_a):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a)
    with pytest.raises(ValidationError) as error:
        services.submit_entry(entry=entry, by=user_a)
    assert error.value.messages == [
        "The entry cannot be submitted yet; it lacks: the members、Report (PDF)、Slides (PDF or PPTX)."
    ]
    entry.refresh_from_db()
    assert entry.status == Entry.Status.DRAFT


def test_submit_entry_twice_records_one_transition(draft, user_a):
    services.submit_entry(entry=draft, by=user_a)
    with pytest.raises(ValidationError):
        services.submit_entry(entry=draft, by=user_a)
    assert EntryTransition.objects.filter(entry=draft, to_status="submitted").count() == 1


def test_submit_entry_refuses_after_the_deadline(draft, user_a):
    draft.edition.submission_deadline = timezone.now() - timedelta(seconds=1)
    draft.edition.save()
    with pytest.raises(ValidationError):
        services.submit_entry(entry=draft, by=user_a)
    draft.refresh_from_db()
    assert draft.status == Entry.Status.DRAFT


def _submitted(draft, user):
    return services.submit_entry(entry=draft, by=user)


def test_accepting_gives_the_entry_code_and_tells_the_enterprise(
    draft, user_a, organiser, django_capture_on_commit_callbacks
):
    _submitted(draft, user_a)
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.review_entry(entry=draft, by=organiser, decision="accept")
    assert (entry.status, entry.code) == (Entry.Status.ACCEPTED, "QC-2021-0001")
    assert "QC-2021-0001" in mail.outbox[-1].subject


def test_entry_codes_follow_the_highest_code_of_the_category(draft, user_a, organiser, qc, enterprise_b):
    factories.EntryFactory(category=qc, enterprise=enterprise_b, status="accepted", code="QC-2021-0136")
    factories.EntryFactory(category=qc, enterprise=enterprise_b, status="accepted", code="QC-2020-0900")
    _submitted(draft, user_a)
    entry = services.review_entry(entry=draft, by=organiser, decision="accept")
    assert entry.code == "QC-2021-0137"


def test_entry_codes_are_numbered_per_category(edition, enterprise_a, organiser):
    story = factories.CategoryFactory(edition=edition, code="PP", kind="brand_story")
    qc = factories.CategoryFactory(edition=edition, code="QC")
    factories.EntryFactory(category=qc, enterprise=enterprise_a, status="accepted", code="QC-2021-0005")
    entry = factories.EntryFactory(category=story, enterprise=enterprise_a, status="submitted")
    assert services.review_entry(entry=entry, by=organiser, decision="accept").code == "PP-2021-0001"


def test_returning_needs_reasons(draft, user_a, organiser):
    _submitted(draft, user_a)
    with pytest.raises(ValidationError) as error:
        services.review_entry(entry=draft, by=organiser, decision="return", reason="  ")
    assert error.value.messages == ["Please give the reasons, so the enterprise knows what to do."]


def test_a_returned_entry_can_be_fixed_and_submitted_again(
    draft, user_a, organiser, django_capture_on_commit_callbacks
):
    _submitted(draft, user_a)
    services.start_review(entry=draft, by=organiser)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_entry(entry=draft, by=organiser, decision="return", reason="成果报告缺少效果检查数据")
    assert "成果报告缺少效果检查数据" in mail.outbox[-1].body
    services.update_entry(entry=draft, by=user_a, data={**QC_DATA, "title": "降低焊缝气孔率"}, members=MEMBERS)
    services.submit_entry(entry=draft, by=user_a)
    entry = services.review_entry(entry=draft, by=organiser, decision="accept")
    assert list(entry.transitions.values_list("from_status", "to_status", "reason")) == [
        ("draft", "submitted", ""),
        ("submitted", "under_review", ""),
        ("under_review", "returned", "成果报告缺少效果检查数据"),
        ("returned", "submitted", ""),
        ("submitted", "accepted", ""),
    ]


@pytest.mark.parametrize(("decision", "status"), [("reject", "rejected"), ("defer", "deferred")])
def test_rejecting_and_deferring_keep_the_reason_and_give_no_code(draft, user_a, organiser, decision, status):
    _submitted(draft, user_a)
    entry = services.review_entry(entry=draft, by=organiser, decision=decision, reason="不符合本届要求")
    assert (entry.status, entry.code, entry.transitions.last().reason) == (status, "", "不符合本届要求")


def test_a_decision_posted_twice_is_refused_the_second_time(draft, user_a, organiser):
    _submitted(draft, user_a)
    services.review_entry(entry=draft, by=organiser, decision="accept")
    with pytest.raises(ValidationError) as error:
        services.review_entry(entry=draft, by=organiser, decision="accept")
    assert error.value.messages == ["This entry is Accepted; only submitted entries can be reviewed."]
    assert Entry.objects.get(pk=draft.pk).code == "QC-2021-0001"


def test_a_draft_cannot_be_reviewed(draft, organiser):
    with pytest.raises(ValidationError):
        services.review_entry(entry=draft, by=organiser, decision="accept")


def test_bulk_accept_accepts_the_submitted_ones_and_skips_the_rest(qc, enterprise_a, organiser):
    submitted = [factories.EntryFactory(category=qc, enterprise=enterprise_a, status="submitted") for _ in range(3)]
    draft = factories.EntryFactory(category=qc, enterprise=enterprise_a)
    accepted, skipped = services.bulk_accept(entries=[*submitted, draft], by=organiser)
    assert sorted(entry.code for entry in accepted) == ["QC-2021-0001", "QC-2021-0002", "QC-2021-0003"]
    assert skipped == [draft]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_accepting_in_parallel_gives_distinct_consecutive_codes(qc, enterprise_a, organiser):
    need("PostgreSQL", postgres_available(), "row locks are what this test is about")
    entries = [factories.EntryFactory(category=qc, enterprise=enterprise_a, status="submitted") for _ in range(6)]
    barrier = threading.Barrier(len(entries))
    failures = []

    def accept(entry):
        try:
            barrier.wait(timeout=10)
            services.review_entry(entry=entry, by=organiser, decision="accept")
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(entry,)) for entry in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(Entry.objects.values_list("code", flat=True)) == [f"QC-2021-{n:04d}" for n in range(1, 7)]


def test_rejecting_tells_the_enterprise_the_decision_and_reasons(
    draft, user_a, organiser, django_capture_on_commit_callbacks
):
    _submitted(draft, user_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_entry(entry=draft, by=organiser, decision="reject", reason="不属于本届征集范围")
    assert mail.outbox[-1].to == [user_a.email]
    assert "降低焊缝气孔率" in mail.outbox[-1].subject
    assert "不属于本届征集范围" in mail.outbox[-1].body


def _accepted_in_a_venue(draft, user_a, organiser):
    _submitted(draft, user_a)
    entry = services.review_entry(entry=draft, by=organiser, decision="accept")
    venue = factories.VenueFactory(category=entry.category, edition=entry.edition)
    Entry.objects.filter(pk=entry.pk).update(venue=venue, running_order=3)
    return entry


def test_a_decision_can_be_revised_the_entry_keeps_its_code_leaves_its_venue_and_the_enterprise_is_told(
    draft, user_a, organiser, django_capture_on_commit_callbacks
):
    _accepted_in_a_venue(draft, user_a, organiser)

    with django_capture_on_commit_callbacks(execute=True):
        entry = services.reopen_review(entry=draft, by=organiser, reason="报告页数超出要求")

    entry.refresh_from_db()
    assert (entry.status, entry.code, entry.venue, entry.running_order) == ("under_review", "QC-2021-0001", None, None)
    assert "报告页数超出要求" in mail.outbox[-1].body
    entry = services.review_entry(entry=entry, by=organiser, decision="reject", reason="报告页数超出要求")
    assert list(entry.transitions.values_list("from_status", "to_status", "reason"))[-2:] == [
        ("accepted", "under_review", "报告页数超出要求"),
        ("under_review", "rejected", "报告页数超出要求"),
    ]


def test_revising_a_decision_needs_a_reason(draft, user_a, organiser):
    _accepted_in_a_venue(draft, user_a, organiser)
    with pytest.raises(ValidationError) as error:
        services.reopen_review(entry=draft, by=organiser, reason=" ")
    assert error.value.messages == ["Please give the reason for revising the decision."]
    assert Entry.objects.get(pk=draft.pk).status == "accepted"


def test_a_decision_stays_once_a_judge_has_a_score_sheet(draft, user_a, organiser):
    entry = _accepted_in_a_venue(draft, user_a, organiser)
    factories.ScoreSheetFactory(entry=Entry.objects.get(pk=entry.pk), comment="选题理由充分")
    with pytest.raises(ValidationError) as error:
        services.reopen_review(entry=draft, by=organiser, reason="报告页数超出要求")
    assert error.value.messages == ["Judges have already scored this entry: its decision stays."]
    assert Entry.objects.get(pk=draft.pk).venue_id is not None


def test_a_decision_stays_once_the_results_are_published(draft, user_a, organiser):
    _accepted_in_a_venue(draft, user_a, organiser)
    Edition.objects.filter(pk=draft.edition_id).update(status=Edition.Status.PUBLISHED)
    with pytest.raises(ValidationError) as error:
        services.reopen_review(entry=draft, by=organiser, reason="报告页数超出要求")
    assert error.value.messages == ["The results of this edition are published: its decisions can no longer change."]


def test_only_a_decided_entry_can_be_reopened(draft, user_a, organiser):
    _submitted(draft, user_a)
    with pytest.raises(ValidationError) as error:
        services.reopen_review(entry=draft, by=organiser, reason="再审")
    assert error.value.messages == [
        "Only the decision on an accepted, rejected or deferred entry can be revised; this entry is Submitted."
    ]
