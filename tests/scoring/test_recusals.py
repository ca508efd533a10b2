import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from events.models import AuditEvent
from scoring import progress, recusals, sheets
from scoring.models import Recusal, ScoreSheet, SheetAudit
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


def test_name_key_ignores_full_width_brackets_case_spaces_and_invisible_characters():
    assert recusals.name_key("演示（集团）有限公司") == "演示集团有限公司"
    assert recusals.name_key(" 演示(集团)\u200b有限\u00a0公司\ufeff ") == "演示集团有限公司"
    assert recusals.name_key("ＡＢＣ Machinery Co., Ltd.") == "abcmachinerycoltd"
    assert recusals.name_key("【华东】重工·机械") == "华东重工机械"
    assert recusals.name_key("（）") == ""


def test_conflict_when_the_organisation_differs_only_by_full_width_brackets(setup):
    judge = factories.JudgeFactory(organisation="演示（集团）有限公司")
    entry = scenarios.entry(setup.venue, enterprise=factories.EnterpriseFactory(name="演示(集团)有限公司"))
    with translation.override("en"):
        assert recusals.conflict(judge=judge, entry=entry) == (
            "The judge works for the entry's enterprise (演示(集团)有限公司).",
            Recusal.Source.ENTERPRISE,
        )


def test_conflict_when_a_completing_unit_hides_a_zero_width_space(setup):
    judge = factories.JudgeFactory(organisation="北方动力装备有限公司")
    entry = scenarios.entry(setup.venue)
    # Input is cleaned of invisible characters now (portal/text.py); a row saved before that still holds them.
    type(entry).objects.filter(pk=entry.pk).update(completing_units="北方动力\u200b装备有限公司\n")
    entry.refresh_from_db()
    with translation.override("en"):
        assert recusals.conflict(judge=judge, entry=entry) == (
            "The judge works for a completing unit of the entry (北方动力\u200b装备有限公司).",
            Recusal.Source.ENTRANT_TEXT,
        )


def test_conflict_compares_the_judges_employer_with_the_entrys_enterprise_by_id(setup):
    employer = factories.EnterpriseFactory(name="华东重型机械有限公司", parent_group="")
    judge = factories.JudgeFactory(enterprise=employer, organisation="")
    # Another enterprise of the portal whose name reads the same is not the judge's employer.
    namesake = factories.EnterpriseFactory(name="华东重型机械有限公司（）", parent_group="")
    assert recusals.conflict(judge=judge, entry=scenarios.entry(setup.venue, enterprise=namesake)) is None
    found = recusals.conflict(judge=judge, entry=scenarios.entry(setup.venue, enterprise=employer))
    assert found[1] == Recusal.Source.ENTERPRISE


def test_a_group_the_entrant_typed_is_marked_entrant_supplied(setup):
    employer = factories.EnterpriseFactory(name="齐鲁工程机械有限公司", parent_group="")
    judge = factories.JudgeFactory(enterprise=employer, organisation="")
    # The entrant names the judge's employer as its group, which would keep a strict judge away.
    other = factories.EnterpriseFactory(name="某某装备有限公司", parent_group="齐鲁工程机械有限公司 ")
    assert recusals.conflict(judge=judge, entry=scenarios.entry(setup.venue, enterprise=other))[1] == (
        Recusal.Source.ENTRANT_TEXT
    )


def test_sync_records_where_each_automatic_recusal_came_from(setup):
    strict, tied = setup.judges
    memberships.set_membership(tied, enterprise=factories.EnterpriseFactory())
    forced = scenarios.entry(setup.venue, completing_units=f"{strict.organisation}\n")
    own = scenarios.entry(setup.venue, enterprise=memberships.enterprise_of(tied))
    assert recusals.sync_automatic_recusals(venue=setup.venue) == 2
    assert {(r.entry, r.judge, r.automatic, r.source) for r in Recusal.objects.all()} == {
        (forced, strict, True, Recusal.Source.ENTRANT_TEXT),
        (own, tied, True, Recusal.Source.ENTERPRISE),
    }


def test_a_judges_declared_recusal_is_declared_by_the_judge(setup):
    judge = setup.judges[1]
    recusal = recusals.declare_recusal(entry=scenarios.entry(setup.venue), judge=judge, reason="亲属")
    assert (recusal.automatic, recusal.source, recusal.created_by) == (False, Recusal.Source.JUDGE, judge)


def test_an_organiser_declares_a_recusal_and_it_is_audited(setup):
    entry, judge = scenarios.entry(setup.venue), setup.judges[1]
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    sheets.submit_sheet(sheet=sheet, by=judge, raw=raw(setup.criteria, FULL), version=sheet.version)
    recusal = recusals.declare_recusal_for_judge(
        entry=entry, judge=judge, by=setup.organiser, reason="评委曾指导该小组"
    )
    assert (recusal.automatic, recusal.source, recusal.created_by, recusal.reason) == (
        False,
        Recusal.Source.ORGANISER,
        setup.organiser,
        "评委曾指导该小组",
    )
    assert recusals.is_recused(judge=judge, entry=entry) is True
    event = AuditEvent.objects.get()
    assert (event.action, event.user, event.target, event.reason) == (
        AuditEvent.Action.RECUSAL_DECLARED,
        setup.organiser,
        f"{entry.code} · {judge.get_full_name()}",
        "评委曾指导该小组",
    )
    # The submitted sheet stays and no longer counts; its trail says why.
    assert list(SheetAudit.objects.filter(sheet=sheet).values_list("action", "user", "reason"))[-1] == (
        "recused",
        setup.organiser.pk,
        "评委曾指导该小组",
    )


def test_an_organiser_cannot_recuse_a_judge_twice_or_off_the_panel_or_without_a_reason(setup):
    entry, judge = scenarios.entry(setup.venue), setup.judges[1]
    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            recusals.declare_recusal_for_judge(entry=entry, judge=judge, by=setup.organiser, reason=" ")
        assert excinfo.value.messages == ["Please give the reason for the recusal."]
        stranger = factories.JudgeFactory(full_name="王五")
        with pytest.raises(ValidationError) as excinfo:
            recusals.declare_recusal_for_judge(entry=entry, judge=stranger, by=setup.organiser, reason="x")
        assert excinfo.value.messages == [f"王五 is not on the panel of the venue of {entry.code}."]
        recusals.declare_recusal(entry=entry, judge=judge, reason="亲属")
        with pytest.raises(ValidationError) as excinfo:
            recusals.declare_recusal_for_judge(entry=entry, judge=judge, by=setup.organiser, reason="x")
        assert excinfo.value.messages == [f"{judge.get_full_name()} is already recused from {entry.code}."]
    assert AuditEvent.objects.count() == 0


def test_overruling_an_entrant_supplied_recusal_is_audited(setup):
    strict = setup.judges[0]
    entry = scenarios.entry(setup.venue, completing_units=strict.organisation)
    recusals.sync_automatic_recusals(venue=setup.venue)
    recusal = Recusal.objects.get(source=Recusal.Source.ENTRANT_TEXT)
    with translation.override("en"):
        recusals.lift_recusal(recusal=recusal, by=setup.organiser, reason="完成单位系申报方误填")
    assert recusals.is_recused(judge=strict, entry=entry) is False
    event = AuditEvent.objects.get()
    assert (event.action, event.user, event.target, event.reason) == (
        AuditEvent.Action.RECUSAL_LIFTED,
        setup.organiser,
        f"{entry.code} · {strict.get_full_name()}",
        "完成单位系申报方误填",
    )
    assert event.old_values == {
        "source": "Automatic: text the entrant supplied",
        "recusal_reason": recusal.reason,
    }


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
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"data-recusal=") == 3
    for _n in range(27):
        recusals.declare_recusal(entry=scenarios.entry(setup.venue), judge=setup.judges[1], reason="声明回避")
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.count(b"data-recusal=") == 30


def test_recusal_list_marks_the_recusals_found_in_entrant_supplied_text(client_for, setup):
    strict = setup.judges[0]
    forced = scenarios.entry(setup.venue, completing_units=strict.organisation)
    recusals.sync_automatic_recusals(venue=setup.venue)
    declared = recusals.declare_recusal(entry=scenarios.entry(setup.venue), judge=setup.judges[1], reason="亲属")
    client = client_for(setup.organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    body = client.get(reverse("scoring:recusals", args=[setup.edition.pk])).content.decode()
    forced_row = re.search(rf'<tr data-recusal="{Recusal.objects.get(entry=forced).pk}".*?</tr>', body, re.S)[0]
    declared_row = re.search(rf'<tr data-recusal="{declared.pk}".*?</tr>', body, re.S)[0]
    assert 'data-source="entrant_text"' in forced_row
    assert "Automatic: text the entrant supplied" in forced_row
    assert "data-entrant-supplied" in forced_row
    assert 'data-source="judge"' in declared_row
    assert "data-entrant-supplied" not in declared_row
    assert 'id="declare-recusal"' in body


def test_declare_view_recuses_a_judge_named_by_an_organiser(client_for, setup):
    entry, judge = scenarios.entry(setup.venue), setup.judges[1]
    url = reverse("scoring:declare_recusal", args=[setup.edition.pk])
    data = {"declare-judge": judge.pk, "declare-entry": f" {entry.code.lower()} ", "declare-reason": "评委曾指导该小组"}
    response = client_for(setup.organiser).post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:recusals", args=[setup.edition.pk])
    recusal = Recusal.objects.get()
    assert (recusal.entry, recusal.judge, recusal.source, recusal.created_by) == (
        entry,
        judge,
        Recusal.Source.ORGANISER,
        setup.organiser,
    )
    assert AuditEvent.objects.get().action == AuditEvent.Action.RECUSAL_DECLARED


def test_declare_view_says_what_is_wrong_and_saves_nothing(client_for, setup):
    url = reverse("scoring:declare_recusal", args=[setup.edition.pk])
    client = client_for(setup.organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = {"declare-judge": setup.judges[1].pk, "declare-entry": "QC-0000-9999", "declare-reason": "x"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert response.context["declare_form"].errors == {
        "entry": ["No entry of this edition has the code “QC-0000-9999”."]
    }
    outsider = factories.JudgeFactory()
    entry = scenarios.entry(setup.venue)
    response = client.post(url, {**data, "declare-judge": outsider.pk, "declare-entry": entry.code})
    assert response.status_code == 400
    assert list(response.context["declare_form"].errors) == ["judge"]
    assert Recusal.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_declare_view_refuses_a_judge_and_another_editions_organiser(client_for, setup):
    entry, judge = scenarios.entry(setup.venue), setup.judges[1]
    url = reverse("scoring:declare_recusal", args=[setup.edition.pk])
    data = {"declare-judge": judge.pk, "declare-entry": entry.code, "declare-reason": "x"}
    assert client_for(setup.judges[0]).post(url, data).status_code == 403
    assert client_for(setup.leader).post(url, data).status_code == 403
    assert client_for(factories.OrganiserFactory()).post(url, data).status_code == 403
    assert Recusal.objects.count() == 0
    assert AuditEvent.objects.count() == 0


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
