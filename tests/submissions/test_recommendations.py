"""Recommending links between an enterprise and a unit (pending until the other side or an organiser confirms), the
drafts a unit's list creates (no place of the quota until submitted, deletable by the enterprise) and the quota."""

import pytest
from django.urls import reverse

from submissions import services
from submissions.memberships import recommending_unit_of
from submissions.models import DeletedDraft, Entry, Recommendation
from tests import factories
from tests.scenarios import entries_workbook, entry_row
from tests.submissions.test_views import entry_post, messages_of

pytestmark = pytest.mark.django_db

UPLOAD = "submissions:recommendation_upload"


def import_list(client, edition, rows):
    preview = client.post(reverse(UPLOAD), {"edition": edition.pk, "file": entries_workbook(rows)})
    form = preview.context["confirm"]
    return client.post(reverse(UPLOAD), {"edition": edition.pk, "token": form["token"].value()})


def decide(client, recommendation, decision):
    return client.post(reverse("submissions:recommendation_decide", args=[recommendation.pk]), {"decision": decision})


@pytest.fixture
def unit(recommender):
    return recommending_unit_of(recommender)


@pytest.fixture
def imported(client_for, recommender, qc, edition, enterprise_a):
    """Two drafts of enterprise A created by the recommender's list."""
    client = client_for(recommender)
    response = import_list(
        client, edition, [entry_row(enterprise_a, "甲一"), entry_row(enterprise_a, "甲二", number=2)]
    )
    assert response.context["report"].created == 2
    return list(Entry.objects.filter(enterprise=enterprise_a).order_by("title"))


# --- a unit's list ---------------------------------------------------------------------------------------------


def test_a_units_list_creates_recommended_drafts_and_a_link_the_enterprise_must_confirm(imported, unit, enterprise_a):
    assert [(entry.title, entry.recommended_draft, entry.recommending_unit) for entry in imported] == [
        ("甲一", True, unit),
        ("甲二", True, unit),
    ]
    link = Recommendation.objects.get()
    assert (link.enterprise, link.unit, link.proposed_by_side, link.status) == (
        enterprise_a,
        unit,
        Recommendation.Side.UNIT,
        Recommendation.Status.PENDING,
    )


def test_recommended_drafts_take_no_place_of_the_quota(client_for, imported, user_a, qc, enterprise_a):
    qc.quota_per_enterprise = 1
    qc.save()
    assert services.quota_left(category=qc, enterprise=enterprise_a) == 1
    response = client_for(user_a).post(reverse("submissions:entry_create", args=[qc.pk]), entry_post(title="自己的"))
    assert response.status_code == 302
    assert services.quota_left(category=qc, enterprise=enterprise_a) == 0


def test_a_unit_cannot_fill_an_enterprises_quota_by_importing_again(client_for, recommender, qc, edition, enterprise_a):
    qc.quota_per_enterprise = 1
    qc.save()
    client = client_for(recommender)
    import_list(client, edition, [entry_row(enterprise_a, "第一批")])
    second = import_list(client, edition, [entry_row(enterprise_a, "第二批")])
    assert second.context["report"].created == 1
    assert services.quota_left(category=qc, enterprise=enterprise_a) == 1


def complete(entry):
    factories.MemberFactory(entry=entry, name="张三", is_leader=True)
    factories.EntryFileFactory(entry=entry, kind="report")
    factories.EntryFileFactory(entry=entry, kind="slides", original_name="slides.pdf")


def test_submitting_a_recommended_draft_adopts_it_and_confirms_the_link(client_for, imported, user_a, qc, enterprise_a):
    qc.quota_per_enterprise = 1
    qc.save()
    entry = imported[0]
    complete(entry)
    response = client_for(user_a).post(reverse("submissions:entry_submit", args=[entry.pk]))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.recommended_draft) == (Entry.Status.SUBMITTED, False)
    assert Recommendation.objects.get().status == Recommendation.Status.CONFIRMED
    assert services.quota_left(category=qc, enterprise=enterprise_a) == 0


def test_a_recommended_draft_cannot_be_submitted_over_the_quota(client_for, imported, user_a, qc, enterprise_a):
    qc.quota_per_enterprise = 1
    qc.save()
    factories.EntryFactory(category=qc, enterprise=enterprise_a, title="自己的", status=Entry.Status.SUBMITTED)
    entry = imported[0]
    complete(entry)
    response = client_for(user_a).post(reverse("submissions:entry_submit", args=[entry.pk]), follow=True)
    assert messages_of(response) == [services.quota_message(qc)]
    entry.refresh_from_db()
    assert (entry.status, entry.recommended_draft) == (Entry.Status.DRAFT, True)


# --- deleting drafts -----------------------------------------------------------------------------------------


def test_the_enterprise_deletes_a_recommended_draft_and_the_unit_sees_it(client_for, imported, user_a, recommender):
    entry = imported[0]
    response = client_for(user_a).post(reverse("submissions:entry_delete", args=[entry.pk]))
    assert (response.status_code, response.url) == (302, reverse("submissions:dashboard"))
    assert not Entry.objects.filter(pk=entry.pk).exists()
    trail = DeletedDraft.objects.get()
    assert (trail.title, trail.unit, trail.by, trail.enterprise_id) == (
        "甲一",
        entry.recommending_unit,
        user_a,
        entry.enterprise_id,
    )
    page = client_for(recommender).get(reverse(UPLOAD))
    assert list(page.context["deleted_drafts"]) == [trail]
    assert f'data-deleted-draft="{trail.pk}"' in page.content.decode()


def test_a_deleted_recommended_draft_is_not_imported_again(client_for, imported, user_a, recommender, edition):
    client_for(user_a).post(reverse("submissions:entry_delete", args=[imported[0].pk]))
    client = client_for(recommender)
    preview = client.post(
        reverse(UPLOAD), {"edition": edition.pk, "file": entries_workbook([entry_row(imported[0].enterprise, "甲一")])}
    )
    assert preview.context["report"].errors == [
        (2, [f"{imported[0].enterprise.name} deleted the draft made from this row earlier; it is not imported again"])
    ]
    assert not Entry.objects.filter(title="甲一").exists()


def test_the_enterprise_deletes_its_own_draft_without_telling_any_unit(client_for, user_a, draft):
    client_for(user_a).post(reverse("submissions:entry_delete", args=[draft.pk]))
    assert not Entry.objects.filter(pk=draft.pk).exists()
    assert DeletedDraft.objects.get().unit is None


def test_a_submitted_entry_cannot_be_deleted(client_for, user_a, draft):
    draft.status = Entry.Status.SUBMITTED
    draft.save()
    response = client_for(user_a).post(reverse("submissions:entry_delete", args=[draft.pk]), follow=True)
    assert messages_of(response) == ["Only a draft that was never submitted can be deleted; this entry is Submitted."]
    assert Entry.objects.filter(pk=draft.pk).exists()
    assert DeletedDraft.objects.count() == 0


@pytest.mark.parametrize(("who", "status"), [("user_b", 404), ("recommender", 404), ("organiser", 403), ("judge", 404)])
def test_others_cannot_delete_a_draft(client_for, request, imported, who, status):
    entry = imported[0]
    response = client_for(request.getfixturevalue(who)).post(reverse("submissions:entry_delete", args=[entry.pk]))
    assert response.status_code == status
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_deleting_needs_post(client_for, user_a, draft):
    assert client_for(user_a).get(reverse("submissions:entry_delete", args=[draft.pk])).status_code == 405


# --- an enterprise naming its recommender ------------------------------------------------------------------------


def test_naming_a_unit_on_an_entry_is_pending_until_the_unit_confirms(client_for, user_a, recommender, unit, qc):
    client_for(user_a).post(reverse("submissions:entry_create", args=[qc.pk]), entry_post(recommending_unit=unit.pk))
    link = Recommendation.objects.get()
    assert (link.proposed_by_side, link.status) == (Recommendation.Side.ENTERPRISE, Recommendation.Status.PENDING)
    entry = Entry.objects.get()
    assert entry.recommended_draft is False
    detail = client_for(user_a).get(reverse("submissions:entry_detail", args=[entry.pk]))
    assert (detail.context["recommendation"], detail.context["can_decide_recommendation"]) == (link, False)

    client = client_for(recommender)
    assert list(client.get(reverse(UPLOAD)).context["proposals"]) == [link]
    response = decide(client, link, "confirm")
    assert (response.status_code, response.url) == (302, reverse(UPLOAD))
    link.refresh_from_db()
    assert (link.status, link.decided_by) == (Recommendation.Status.CONFIRMED, recommender)
    assert list(client.get(reverse(UPLOAD)).context["proposals"]) == []


def test_the_side_that_proposed_cannot_confirm_its_own_word(client_for, user_a, enterprise_a, unit, edition):
    link = factories.RecommendationFactory(
        edition=edition, enterprise=enterprise_a, unit=unit, proposed_by_side=Recommendation.Side.ENTERPRISE
    )
    assert decide(client_for(user_a), link, "confirm").status_code == 403
    link.refresh_from_db()
    assert link.status == Recommendation.Status.PENDING


def test_the_enterprise_confirms_or_declines_a_units_proposal(client_for, user_a, enterprise_a, edition):
    confirmed = factories.RecommendationFactory(edition=edition, enterprise=enterprise_a)
    declined = factories.RecommendationFactory(edition=edition, enterprise=enterprise_a)
    client = client_for(user_a)
    assert set(client.get(reverse("submissions:dashboard")).context["proposals"]) == {confirmed, declined}
    assert decide(client, confirmed, "confirm").url == reverse("submissions:dashboard")
    decide(client, declined, "decline")
    confirmed.refresh_from_db()
    declined.refresh_from_db()
    assert (confirmed.status, declined.status) == (Recommendation.Status.CONFIRMED, Recommendation.Status.DECLINED)
    again = decide(client, declined, "confirm")
    assert again.status_code == 302
    declined.refresh_from_db()
    assert declined.status == Recommendation.Status.DECLINED


def test_an_organiser_of_the_edition_confirms_either_sides_word(client_for, organiser, enterprise_a, edition):
    link = factories.RecommendationFactory(edition=edition, enterprise=enterprise_a)
    decide(client_for(organiser), link, "confirm")
    link.refresh_from_db()
    assert (link.status, link.decided_by) == (Recommendation.Status.CONFIRMED, organiser)


def test_an_organisers_import_confirms_the_link_at_once(client_for, organiser, qc, edition, enterprise_a, unit):
    import_list(client_for(organiser), edition, [entry_row(enterprise_a, unit=unit.name)])
    link = Recommendation.objects.get()
    assert (link.proposed_by_side, link.status) == (Recommendation.Side.ORGANISER, Recommendation.Status.CONFIRMED)
    assert Entry.objects.get().recommended_draft is True


@pytest.mark.parametrize("who", ["user_b", "judge", "other_unit", "other_organiser"])
def test_strangers_to_a_link_get_a_404(client_for, request, enterprise_a, edition, who):
    link = factories.RecommendationFactory(edition=edition, enterprise=enterprise_a)
    if who == "other_unit":
        user = factories.RecommenderFactory()
    elif who == "other_organiser":
        user = factories.OrganiserFactory()
        factories.EditionFactory().organisers.add(user)
    else:
        user = request.getfixturevalue(who)
    assert decide(client_for(user), link, "confirm").status_code == 404
    link.refresh_from_db()
    assert link.status == Recommendation.Status.PENDING


def test_an_unknown_decision_changes_nothing(client_for, user_a, enterprise_a, edition):
    link = factories.RecommendationFactory(edition=edition, enterprise=enterprise_a)
    response = decide(client_for(user_a), link, "maybe")
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.status == Recommendation.Status.PENDING


def test_the_organiser_sees_an_unconfirmed_recommender_on_the_review_page_and_may_confirm_it(
    client_for, organiser, qc, enterprise_a, unit
):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a, recommending_unit=unit, status="submitted")
    link = factories.RecommendationFactory(edition=qc.edition, enterprise=enterprise_a, unit=unit)
    response = client_for(organiser).get(reverse("submissions:review_entry", args=[entry.pk]))
    assert (response.context["recommendation"], response.context["can_decide_recommendation"]) == (link, True)
    page = response.content.decode()
    assert 'data-recommendation="pending"' in page
    assert f'data-recommendation-form="{link.pk}"' in page
