"""On a 1024x768 tablet: two judges score an entry, one recuses from another, the leader reopens a sheet and
signs the venue off."""

import pytest

from portal.models import OutboxMessage
from scoring.models import Recusal, ScoreSheet
from tests.conftest import log_in, log_out, nav_click
from tests.scenarios import judged_venue, total_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args():
    return {"viewport": {"width": 1024, "height": 768}, "locale": "zh-CN", "has_touch": True}


def score(page, setup, values):
    """Type the points like a judge would; the draft saves itself."""
    for criterion, value in zip(setup.criteria, values, strict=True):
        page.fill(f"input[name=c{criterion.pk}]", "")
        page.type(f"input[name=c{criterion.pk}]", value)
    page.wait_for_selector("#autosave-status[data-state=saved]")


def submit(page):
    page.click("#submit-sheet")  # the confirmation is accepted by the page's dialog handler
    page.wait_for_selector(".alert-success")


def test_two_judges_score_one_recuses_the_leader_reopens_and_signs_off(page, password):
    setup = judged_venue(judges=2, entries=2)
    leader, judge = setup.judges
    first, second = setup.entries
    page.on("dialog", lambda dialog: dialog.accept())

    # The judge opens its venue from the navigation and lands on the first entry of the running order.
    log_in(page, judge, password)
    nav_click(page, "scoring:judge_home")
    page.click(f"[data-venue='{setup.venue.pk}'] a[data-action=score]")
    page.wait_for_selector(f"#entry[data-entry='{first.pk}']")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator(f"input[name=c{setup.criteria[0].pk}]").bounding_box()
    assert box["height"] >= 44  # a finger-sized target

    # A value above the maximum is marked at once, and the total follows the typing.
    page.type(f"input[name=c{setup.criteria[0].pk}]", "16")
    assert "is-invalid" in page.get_attribute(f"input[name=c{setup.criteria[0].pk}]", "class")
    score(page, setup, ["12.5", "25", "17", "16", "4", "8"])
    assert page.text_content("#sheet-total") == "82.5"
    assert ScoreSheet.objects.get(judge=judge, entry=first).status == ScoreSheet.Status.DRAFT
    submit(page)

    # The workspace moves on to the second entry; the judge recuses from it.
    page.wait_for_selector(f"#entry[data-entry='{second.pk}']")
    page.click("#recuse-box summary")
    page.fill("#id_recuse-reason", "曾为该小组做过培训")
    page.click("#recuse-submit")
    page.wait_for_selector(".alert-success")
    assert Recusal.objects.get(judge=judge, entry=second).reason == "曾为该小组做过培训"
    page.goto(page.base_url + f"/scoring/judging/venues/{setup.venue.pk}/entries/{second.pk}/")
    assert page.locator("#recused").count() == 1
    assert page.locator("#score-form").count() == 0
    log_out(page)

    # The leader scores both entries.
    log_in(page, leader, password)
    for entry, values in ((first, ["13", "26", "17", "16", "4", "9"]), (second, ["10", "20", "15", "15", "3", "7"])):
        page.goto(page.base_url + f"/scoring/judging/venues/{setup.venue.pk}/entries/{entry.pk}/")
        score(page, setup, values)
        submit(page)

    # On the panel page the leader reopens the judge's sheet with a reason.
    page.click("a[data-action=panel]")
    page.wait_for_selector("#panel-grid")
    sheet = ScoreSheet.objects.get(judge=judge, entry=first)
    page.click(f"[data-reopen='{sheet.pk}']")
    page.fill(f"form[action$='/sheets/{sheet.pk}/reopen/'] textarea", "原因分析分数记录有误")
    page.click(f"[data-reopen-submit='{sheet.pk}']")
    page.wait_for_selector(".alert-success")
    sheet.refresh_from_db()
    assert sheet.status == ScoreSheet.Status.DRAFT
    assert page.locator("#sign-off[disabled]").count() == 1
    log_out(page)

    # The judge is told by e-mail, and reads the leader's reason on the sheet; it corrects and submits again.
    mails = [m.payload for m in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL)]
    assert [(m["to"], "原因分析分数记录有误" in m["body"]) for m in mails] == [([judge.email], True)]
    log_in(page, judge, password)
    page.goto(page.base_url + f"/scoring/judging/venues/{setup.venue.pk}/entries/{first.pk}/")
    assert page.text_content("#sheet-reopened [data-reason]") == "原因分析分数记录有误"
    score(page, setup, ["12.5", "27", "17", "16", "4", "8"])
    assert page.text_content("#sheet-total") == "84.5"
    submit(page)
    log_out(page)

    # Every sheet is in: the leader looks at the provisional ranking and signs the venue off.
    log_in(page, leader, password)
    page.goto(page.base_url + f"/scoring/judging/venues/{setup.venue.pk}/panel/")
    ranking = page.locator("#provisional-ranking tr[data-entry]")
    assert [ranking.nth(n).get_attribute("data-entry") for n in range(ranking.count())] == [
        str(first.pk),
        str(second.pk),
    ]
    page.click("#sign-off")
    page.wait_for_selector("#signed-off")
    setup.venue.refresh_from_db()
    assert setup.venue.signed_off_by == leader
    assert [str(total_of(s)) for s in ScoreSheet.objects.filter(entry=first).order_by("judge_id")] == [
        "85.0",
        "84.5",
    ]
    assert page.locator("[data-reopen]").count() == 0


def wait_until_sent(page):
    """Until the server holds what was typed: nothing waits in localStorage and the sheet says saved."""
    page.wait_for_function(
        "() => !window.localStorage.length && document.getElementById('autosave-status').dataset.state === 'saved'"
    )


def stored(setup):
    """FULL as the database holds it."""
    return {c.pk: v for c, v in zip(setup.criteria, ["12.5", "25.0", "17.0", "16.0", "4.0", "8.0"], strict=True)}


def values_of(sheet):
    return {score.criterion_id: str(score.points) for score in sheet.scores.all()}


def test_points_typed_offline_are_sent_when_the_network_is_back(page, password):
    setup = judged_venue(judges=1, entries=1)
    judge, entry = setup.judges[0], setup.entries[0]
    log_in(page, judge, password)
    page.goto(page.base_url + f"/scoring/judging/venues/{setup.venue.pk}/entries/{entry.pk}/")
    page.context.set_offline(True)
    typed = ["12.5", "25", "17", "16", "4", "8"]
    for criterion, value in zip(setup.criteria, typed, strict=True):
        page.type(f"input[name=c{criterion.pk}]", value)
    page.type("textarea[name=comment]", "数据翔实")
    page.wait_for_selector("#autosave-status[data-state=offline]")
    assert page.text_content("#autosave-status") == page.get_attribute("#score-form", "data-msg-offline")
    assert not ScoreSheet.objects.filter(entry=entry, judge=judge).exists()

    page.context.set_offline(False)
    page.wait_for_selector("#autosave-status[data-state=saved]")
    sheet = ScoreSheet.objects.get(entry=entry, judge=judge)
    assert values_of(sheet) == stored(setup)
    assert (sheet.comment, str(sheet.total), sheet.status) == ("数据翔实", "82.5", ScoreSheet.Status.DRAFT)
    assert page.text_content("#autosave-status").startswith(page.get_attribute("#score-form", "data-msg-saved"))
    assert page.evaluate("Object.keys(window.localStorage).length") == 0

    # A CSRF token gone stale (here: its cookie gone) is fetched afresh and the save goes through.
    page.context.clear_cookies(name="csrftoken")
    page.fill(f"input[name=c{setup.criteria[5].pk}]", "9")
    wait_until_sent(page)
    assert str(ScoreSheet.objects.get(pk=sheet.pk).total) == "83.5"
    page.fill(f"input[name=c{setup.criteria[5].pk}]", "8")
    wait_until_sent(page)

    # Typed offline and the tablet's page closed: the next visit puts the values back and sends them.
    context, url = page.context, page.url
    context.set_offline(True)
    page.fill("textarea[name=comment]", "数据翔实，对策有效")
    page.wait_for_selector("#autosave-status[data-state=offline]")
    page.close()
    context.set_offline(False)
    again = context.new_page()
    again.goto(url)
    assert again.input_value("textarea[name=comment]") == "数据翔实，对策有效"
    again.wait_for_selector("#autosave-status[data-state=saved]")
    sheet.refresh_from_db()
    assert (sheet.comment, values_of(sheet)) == ("数据翔实，对策有效", stored(setup))
    assert again.evaluate("Object.keys(window.localStorage).length") == 0


def test_a_judge_logged_out_mid_sheet_logs_in_again_in_place_and_submits_on_a_phone(page, password):
    from django.contrib.sessions.models import Session

    setup = judged_venue(judges=1, entries=1)
    judge, entry = setup.judges[0], setup.entries[0]
    page.set_viewport_size({"width": 375, "height": 667})
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, judge, password)
    page.goto(page.base_url + f"/scoring/judging/venues/{setup.venue.pk}/entries/{entry.pk}/")
    first, *rest = setup.criteria
    page.type(f"input[name=c{first.pk}]", "12.5")
    page.wait_for_selector("#autosave-status[data-state=saved]")

    Session.objects.all().delete()  # the log-in ends on the server (expired, or cleared)
    for criterion, value in zip(rest, ["25", "17", "16", "4", "8"], strict=True):
        page.type(f"input[name=c{criterion.pk}]", value)
    page.wait_for_selector("#login-dialog[open]")
    assert page.get_attribute("#autosave-status", "data-state") == "login"
    # On a phone the dialog fits the screen and its field and button are finger-sized.
    box = page.locator("#login-dialog").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] >= 0 and box["y"] + box["height"] <= 667
    assert page.locator("#login-dialog-submit").bounding_box()["height"] >= 44

    page.fill("#login-dialog-password", "wrong-password")
    page.click("#login-dialog-submit")
    page.wait_for_selector("#login-dialog-error:not(:empty)")
    assert page.text_content("#login-dialog-error") == "电子邮箱或密码错误，均区分大小写。"
    page.fill("#login-dialog-password", password)
    page.click("#login-dialog-submit")
    page.wait_for_selector("#autosave-status[data-state=saved]")
    assert page.locator("#login-dialog[open]").count() == 0
    sheet = ScoreSheet.objects.get(entry=entry, judge=judge)
    assert (sheet.status, str(sheet.total)) == (ScoreSheet.Status.DRAFT, "82.5")

    # Submitted while logged out: the submission is kept and sent once the judge has logged in again.
    Session.objects.all().delete()
    page.click("#submit-sheet")  # the confirmation is accepted by the page's dialog handler
    page.wait_for_selector("#login-dialog[open]")
    page.fill("#login-dialog-password", password)
    page.click("#login-dialog-submit")
    page.wait_for_selector(".alert-success")
    sheet.refresh_from_db()
    assert (sheet.status, str(sheet.total)) == (ScoreSheet.Status.SUBMITTED, "82.5")
    assert values_of(sheet) == stored(setup)
