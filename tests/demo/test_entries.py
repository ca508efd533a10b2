from io import StringIO

import pytest
from django.core.management import call_command

from demo.entries import ENTRIES
from submissions.models import Entry, EntryFile

DEMO_TITLES = [title for _code, title, *_rest in ENTRIES]

pytestmark = pytest.mark.django_db


def test_load_demo_gives_the_demo_enterprise_a_draft_a_returned_and_a_submitted_entry():
    call_command("load_demo", stdout=StringIO())
    entries = Entry.objects.filter(title__in=DEMO_TITLES, enterprise__memberships__user__email="clerk@demo.qc")
    assert sorted((entry.title, entry.status, entry.code) for entry in entries) == [
        ("提高齿轮箱装配一次交检合格率", "returned", ""),
        ("焊装一班质量信得过班组建设成果", "submitted", ""),
        ("降低液压阀体加工毛刺返工率", "draft", ""),
    ]
    returned = entries.get(status="returned")
    assert list(returned.transitions.values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "under_review",
        "returned",
    ]
    assert "分层数据" in returned.transitions.last().reason
    assert returned.members.filter(is_leader=True).count() == 1
    assert EntryFile.objects.filter(entry=returned, kind="report").count() == 1
    assert not entries.filter(venue__isnull=False).exists()


def test_load_demo_twice_creates_the_demo_entries_once():
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    assert (
        Entry.objects.filter(title__in=DEMO_TITLES, enterprise__memberships__user__email="clerk@demo.qc").count() == 3
    )
