import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from scoring import progress, recusals, sheets
from scoring.models import Recusal, ScoreSheet
from submissions import memberships
from submissions.models import Entry
from tests import factories, scenarios
from tests.scenarios import FULL, judged_venue, raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return judged_venue(judges=2, entries=0)


def test_conflict_when_the_judges_enterprise_is_the_entrys(setup):
    enterprise = factories.EnterpriseFactory(name="华东重型机械有限公司")
    judge = factories.JudgeFactory(enterprise=enterprise, organisation="")
    entry = scenarios.entry(setup.venue, enterprise=enterprise)
    with translation.override("en"):
        assert recusals.conflict_reason(judge=judge, entry=entry) == (
            "The judge works for the entry's enterprise (华东重型机械有限公司)."
        )


def test_conflict_when_the_judges_organisation_text_names_the_enterprise(setup):
    enterprise = factories.EnterpriseFactory(name="江南精密仪器股份有限公司")
    judge = factories.JudgeFactory(organisation=" 江南精密仪器股份有限公司 ")
    assert recusals.conflict_reason(judge=judge, entry=scenarios.entry(setup.venue, enterprise=enterprise)) != ""


def test_conflict_when_the_judge_works_for_a_completing_unit(setup):
    judge = factories.JudgeFactory(organisation="北方动力装备有限公司第二分厂")
    entry = scenarios.entry(setup.venue, completing_units="长江电气设备有限公司\n北方动力装备有限公司第二分厂\n")
    with translation.override("en"):
        assert recusals.conflict_reason(judge=judge, entry=entry) == (
            "The judge works for a completing unit of the entry (北方动力装备有限公司第二分厂)."
        )


def test_conflict_when_the_judges_enterprise_is_in_the_same_group(setup):
    own = factories.EnterpriseFactory(name="齐鲁工程机械有限公司", parent_group="重型机械集团")
    other = factories.EnterpriseFactory(name="华东重型机械有限公司", parent_group="重型机械集团")
    judge = factories.JudgeFactory(enterprise=own, organisation="")
    with translation.override("en"):
        assert recusals.conflict_reason(judge=judge, entry=scenarios.entry(setup.venue, enterprise=other)) == (
            "The judge's organisation is in the entry's enterprise group (重型机械集团)."
        )


def test_conflict_when_the_judge_works_for_the_group_itself(setup):
    other = factories.EnterpriseFactory(parent_group="北方装备集团")
    judge = factories.JudgeFactory(organisation="北方装备集团")
    assert recusals.conflict_reason(judge=judge, entry=scenarios.entry(setup.venue, enterprise=other)) != ""


def test_no_conflict_for_unrelated_organisations(setup):
    judge = factories.JudgeFactory(organisation="中国机械工业质量管理协会")
    entry = scenarios.entry(setup.venue, enterprise=factories.EnterpriseFactory(parent_group=""))
    assert recusals.conflict_reason(judge=judge, entry=entry) == ""
    # Two enterprises without a group are not "in the same group".
    judge2 = factories.JudgeFactory(enterprise=factories.EnterpriseFactory(parent_group=""), organisation="")
    assert recusals.conflict_reason(judge=judge2, entry=entry) == ""


def test_sync_records_automatic_recusals_and_the_judge_cannot_open_the_sheet(setup):
    judge = setup.judges[1]
    enterprise = factories.EnterpriseFactory()
    memberships.set_membership(judge, enterprise=enterprise)
    entry = scenarios.entry(setup.venue, enterprise=enterprise)
    assert recusals.sync_automatic_recusals(venue=setup.venue) == 1
    recusal = Recusal.objects.get()
    assert (recusal.entry, recusal.judge, recusal.automatic) == (entry, judge, True)
    assert recusals.sync_automatic_recusals(venue=setup.venue) == 0
    with pytest.raises(ValidationError):
        sheets.open_sheet(entry=entry, judge=judge)
    assert ScoreSheet.objects.count() == 0


def test_a_tie_is_refused_even_before_it_is_recorded(setup):
    judge = setup.judges[1]
    entry = scenarios.entry(setup.venue, enterprise=factories.EnterpriseFactory(name=judge.organisation))
    assert recusals.is_recused(judge=judge, entry=entry) is True
    with pytest.raises(ValidationError):
        sheets.open_sheet(entry=entry, judge=judge)


def test_recused_pairs_reads_recorded_recusals_once_and_ties_not_yet_recorded(setup, django_assert_num_queries):
    tied, declared = setup.judges
    tie = scenarios.entry(setup.venue, enterprise=factories.EnterpriseFactory(name=tied.organisation))
    lifted = scenarios.entry(setup.venue, enterprise=factories.EnterpriseFactory(name=tied.organisation))
    free = scenarios.entry(setup.venue, enterprise=factories.EnterpriseFactory(name="无关企业", parent_group=""))
    recusals.sync_automatic_recusals(venue=setup.venue)
    recusals.lift_recusal(recusal=Recusal.objects.get(entry=lifted), by=setup.organiser, reason="同名不同单位")
    Recusal.objects.filter(entry=tie).delete()  # a tie nobody has recorded yet
    recusals.declare_recusal(entry=free, judge=declared, reason="亲属")
    judges = {judge.pk: judge for judge in type(tied).objects.select_related("membership__enterprise")}
    entries = list(Entry.objects.select_related("enterprise").filter(venue=setup.venue).order_by("pk"))
    pairs = [(entry, judges[judge.pk]) for entry in entries for judge in setup.judges]
    with django_assert_num_queries(1):
        recused = recusals.recused_pairs(pairs)
    assert recused == {(tie.pk, tied.pk), (free.pk, declared.pk)}
    assert [recusals.is_recused(judge=j, entry=e) for e, j in pairs] == [(e.pk, j.pk) in recused for e, j in pairs]


def test_lifted_recusal_lets_the_judge_score(setup):
    judge = setup.judges[1]
    entry = scenarios.entry(setup.venue, enterprise=factories.EnterpriseFactory(name=judge.organisation))
    recusals.sync_automatic_recusals(venue=setup.venue)
    recusal = recusals.lift_recusal(recusal=Recusal.objects.get(), by=setup.organiser, reason="同名不同单位")
    assert recusal.lift_reason == "同名不同单位"
    assert recusal.lifted_by == setup.organiser
    recusals.sync_automatic_recusals(venue=setup.venue)
    assert Recusal.objects.get().is_active is False
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    sheet = sheets.submit_sheet(sheet=sheet, by=judge, raw=raw(setup.criteria, FULL), version=sheet.version)
    assert sheet.status == ScoreSheet.Status.SUBMITTED


def test_lift_needs_a_reason_and_an_active_recusal(setup):
    entry = scenarios.entry(setup.venue)
    recusal = recusals.declare_recusal(entry=entry, judge=setup.judges[1], reason="亲属在该小组")
    with pytest.raises(ValidationError):
        recusals.lift_recusal(recusal=recusal, by=setup.organiser, reason="")
    recusals.lift_recusal(recusal=recusal, by=setup.organiser, reason="误报")
    with pytest.raises(ValidationError):
        recusals.lift_recusal(recusal=recusal, by=setup.organiser, reason="again")


def test_declare_recusal_needs_a_reason_and_a_seat_on_the_panel(setup):
    entry = scenarios.entry(setup.venue)
    with pytest.raises(ValidationError):
        recusals.declare_recusal(entry=entry, judge=setup.judges[1], reason=" ")
    with pytest.raises(ValidationError):
        recusals.declare_recusal(entry=entry, judge=factories.JudgeFactory(), reason="x")
    recusal = recusals.declare_recusal(entry=entry, judge=setup.judges[1], reason="曾担任该小组顾问")
    assert (recusal.automatic, recusal.reason, recusal.created_by) == (False, "曾担任该小组顾问", setup.judges[1])
    with pytest.raises(ValidationError):
        recusals.declare_recusal(entry=entry, judge=setup.judges[1], reason="twice")


def test_declare_recusal_after_submitting_is_refused(setup):
    entry = scenarios.entry(setup.venue)
    judge = setup.judges[1]
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    sheets.submit_sheet(sheet=sheet, by=judge, raw=raw(setup.criteria, FULL), version=sheet.version)
    with pytest.raises(ValidationError):
        recusals.declare_recusal(entry=entry, judge=judge, reason="x")


# --- views ----------------------------------------------------------------------------------------


def test_recuse_view_records_the_declared_recusal(client_for, setup):
    entry = scenarios.entry(setup.venue)
    judge = setup.judges[1]
    response = client_for(judge).post(reverse("scoring:recuse", args=[entry.pk]), {"recuse-reason": "亲属"})
    assert response.status_code == 302
    assert Recusal.objects.get().reason == "亲属"
    page = client_for(judge).get(reverse("scoring:score_entry", args=[setup.venue.pk, entry.pk]))
    assert b'id="recused"' in page.content
    assert b'id="score-form"' not in page.content


def test_recuse_view_refuses_a_judge_of_another_panel(client_for, setup):
    entry = scenarios.entry(setup.venue)
    response = client_for(factories.JudgeFactory()).post(
        reverse("scoring:recuse", args=[entry.pk]), {"recuse-reason": "x"}
    )
    assert response.status_code == 403
    assert Recusal.objects.count() == 0


def test_recusal_list_shows_the_editions_recusals_to_its_organiser(client_for, setup, django_assert_num_queries):
    for _n in range(3):
        recusals.declare_recusal(entry=scenarios.entry(setup.venue), judge=setup.judges[1], reason="声明回避")
    client = client_for(setup.organiser)
    url = reverse("scoring:recusals", args=[setup.edition.pk])
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"data-recusal=") == 3
    for _n in range(27):
        recusals.declare_recusal(entry=scenarios.entry(setup.venue), judge=setup.judges[1], reason="声明回避")
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.content.count(b"data-recusal=") == 30


def test_recusal_list_refuses_a_judge_and_another_editions_organiser(client_for, setup):
    url = reverse("scoring:recusals", args=[setup.edition.pk])
    assert client_for(setup.judges[0]).get(url).status_code == 403
    assert client_for(factories.OrganiserFactory()).get(url).status_code == 403


def test_lift_view_lifts_with_a_reason(client_for, setup):
    recusal = recusals.declare_recusal(entry=scenarios.entry(setup.venue), judge=setup.judges[1], reason="x")
    url = reverse("scoring:lift_recusal", args=[recusal.pk])
    assert client_for(factories.OrganiserFactory()).post(url, {"lift-reason": "误报"}).status_code == 403
    response = client_for(setup.organiser).post(url, {"lift-reason": "误报"})
    assert response.status_code == 302
    recusal.refresh_from_db()
    assert (recusal.is_active, recusal.lift_reason) == (False, "误报")


def test_sync_view_records_ties_after_the_panel_changed(client_for, setup):
    entry = scenarios.entry(setup.venue)
    late = factories.PanelMemberFactory(
        venue=setup.venue, judge=factories.JudgeFactory(organisation=entry.enterprise.name)
    ).judge
    url = reverse("scoring:sync_recusals", args=[setup.edition.pk])
    assert client_for(late).post(url).status_code == 403
    assert Recusal.objects.count() == 0
    assert client_for(setup.organiser).post(url).status_code == 302
    recusal = Recusal.objects.get()
    assert (recusal.entry, recusal.judge, recusal.automatic) == (entry, late, True)


def test_sign_off_records_a_late_tie_instead_of_waiting_for_its_sheet(setup):
    entry = scenarios.entry(setup.venue)
    for judge in setup.judges:
        sheet = sheets.open_sheet(entry=entry, judge=judge)
        sheets.submit_sheet(sheet=sheet, by=judge, raw=raw(setup.criteria, FULL), version=1)
    factories.PanelMemberFactory(venue=setup.venue, judge=factories.JudgeFactory(organisation=entry.enterprise.name))
    assert progress.sign_off_venue(venue=setup.venue, by=setup.leader).signed_off_at is not None
    assert Recusal.objects.filter(automatic=True).count() == 1
