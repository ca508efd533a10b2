"""Announcements: an organiser's notice reaches the right audience of the edition, by e-mail and on their pages."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from events import announcements
from events.models import Announcement
from portal.models import OutboxMessage
from tests import factories

pytestmark = pytest.mark.django_db

Audience = Announcement.Audience


@pytest.fixture
def people(edition, organiser):
    """Who takes part in `edition` and who takes part in another one, for each audience."""
    category = factories.CategoryFactory(edition=edition)
    venue = factories.VenueFactory(category=category)
    other_edition = factories.EditionFactory(name="另一届")
    other_venue = factories.VenueFactory(category=factories.CategoryFactory(edition=other_edition))
    judge, other_judge = factories.JudgeFactory(full_name="吴超"), factories.JudgeFactory(full_name="别的评委")
    factories.PanelMemberFactory(venue=venue, judge=judge, is_leader=True)
    factories.PanelMemberFactory(venue=other_venue, judge=other_judge)
    clerk, other_clerk = factories.EnterpriseUserFactory(full_name="甲用户"), factories.EnterpriseUserFactory()
    registered = factories.EnterpriseUserFactory(full_name="已报名企业用户")
    registered.membership.enterprise.editions.add(edition)
    factories.EnterpriseUserFactory(enterprise=clerk.membership.enterprise, is_active=False)
    recommender, other_recommender = factories.RecommenderFactory(full_name="推荐人"), factories.RecommenderFactory()
    factories.EntryFactory(
        category=category,
        enterprise=clerk.membership.enterprise,
        recommending_unit=recommender.membership.recommending_unit,
    )
    factories.EntryFactory(
        category=other_venue.category,
        enterprise=other_clerk.membership.enterprise,
        recommending_unit=other_recommender.membership.recommending_unit,
    )
    return {
        "judge": judge,
        "other_judge": other_judge,
        "clerk": clerk,
        "registered": registered,
        "other_clerk": other_clerk,
        "recommender": recommender,
        "other_recommender": other_recommender,
    }


@pytest.mark.parametrize(
    ("audience", "expected"),
    [(Audience.ENTERPRISES, ["clerk", "registered"]), (Audience.JUDGES, ["judge"]), (Audience.UNITS, ["recommender"])],
)
def test_an_announcement_reaches_its_audience_of_the_edition_only(edition, organiser, people, audience, expected):
    sent = announcements.send_announcement(
        edition=edition, audience=audience, subject="开幕式时间调整", body="开幕式改为上午九点。", by=organiser
    )

    assert sorted(sent.recipients.values_list("pk", flat=True)) == sorted(people[name].pk for name in expected)
    mails = OutboxMessage.objects.order_by("pk")
    assert sorted(mail.payload["to"] for mail in mails) == sorted([people[name].email] for name in expected)
    assert {mail.payload["subject"] for mail in mails} == {f"[{edition.name}] 开幕式时间调整"}
    assert all("开幕式改为上午九点。" in mail.payload["body"] for mail in mails)


def test_an_announcement_to_nobody_is_refused_and_nothing_is_sent(edition, organiser):
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        announcements.send_announcement(
            edition=edition, audience=Audience.JUDGES, subject="通知", body="内容", by=organiser
        )

    assert excinfo.value.messages == [
        "Nobody in “Judges on the edition's panels” takes part in this edition yet: the announcement is not sent."
    ]
    assert Announcement.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_the_mail_keeps_the_text_as_written(edition, organiser, people):
    announcements.send_announcement(
        edition=edition, audience=Audience.JUDGES, subject="A&B <通知>", body="请带上 <评分笔> & 证件", by=organiser
    )

    mail = OutboxMessage.objects.get()
    assert mail.payload["subject"] == f"[{edition.name}] A&B <通知>"
    assert "请带上 <评分笔> & 证件" in mail.payload["body"]
    assert mail.payload["body"].endswith(f"\n\n{edition.association.name}\n")  # signed by the association


@pytest.mark.parametrize(
    ("audience", "page", "reader", "outsider"),
    [
        (Audience.ENTERPRISES, "submissions:dashboard", "clerk", "other_clerk"),
        (Audience.JUDGES, "scoring:judge_home", "judge", "other_judge"),
        (Audience.UNITS, "submissions:recommendation_upload", "recommender", "other_recommender"),
    ],
)
def test_an_announcement_shows_on_the_pages_of_its_recipients_only(
    client_for, edition, organiser, people, audience, page, reader, outsider
):
    sent = announcements.send_announcement(
        edition=edition, audience=audience, subject="开幕式时间调整", body="开幕式改为上午九点。", by=organiser
    )

    shown = client_for(people[reader]).get(reverse(page)).content.decode()
    hidden = client_for(people[outsider]).get(reverse(page)).content.decode()

    assert f'data-announcement="{sent.pk}"' in shown
    assert "开幕式改为上午九点。" in shown
    assert 'id="announcements"' not in hidden
    assert "开幕式时间调整" not in hidden


def test_the_announcements_page_sends_and_lists(client_for, edition, organiser, people):
    response = client_for(organiser).post(
        reverse("events:announcements", args=[edition.pk]),
        {"audience": "judges", "subject": "评审安排", "body": "请准时到场。"},
    )

    sent = Announcement.objects.get()
    assert response["Location"] == reverse("events:announcements", args=[edition.pk])
    assert (sent.edition, sent.audience, sent.subject, sent.body, sent.sent_by) == (
        edition,
        "judges",
        "评审安排",
        "请准时到场。",
        organiser,
    )
    page = client_for(organiser).get(reverse("events:announcements", args=[edition.pk]))
    assert [(a.subject, a.recipient_count) for a in page.context["sent"]] == [("评审安排", 1)]


def test_the_announcements_page_shows_why_nothing_was_sent(client_for, edition, organiser):
    with translation.override("en"):
        response = client_for(organiser).post(
            reverse("events:announcements", args=[edition.pk]),
            {"audience": "units", "subject": "通知", "body": "内容"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Nobody in “Recommending units of the edition” takes part in this edition yet: the announcement is not sent."
    ]
    assert Announcement.objects.count() == 0


def test_the_announcements_page_refuses_an_organiser_of_another_edition(client_for, edition, other_organiser, people):
    response = client_for(other_organiser).post(
        reverse("events:announcements", args=[edition.pk]),
        {"audience": "judges", "subject": "评审安排", "body": "请准时到场。"},
    )

    assert response.status_code == 403
    assert Announcement.objects.count() == 0


def test_the_announcements_page_makes_a_fixed_number_of_queries(
    client_for, edition, organiser, django_assert_num_queries
):
    client = client_for(organiser)

    def page_with(count):
        for _n in range(count):
            factories.AnnouncementFactory(edition=edition, sent_by=organiser).recipients.add(organiser)
        with django_assert_num_queries(5) as queries:
            response = client.get(reverse("events:announcements", args=[edition.pk]))
        assert len(response.context["sent"]) == Announcement.objects.count()
        return len(queries.captured_queries)

    assert page_with(2) == page_with(20)
