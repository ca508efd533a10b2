"""Every URL that names an object, requested by every role: the outcome of each cell is written out below.

The table is checked against the URL configuration, so a new URL with an id and no row here fails
`test_every_url_with_an_id_has_a_row`. Outcomes: a status code, or `login` for a redirect to the log-in page;
`302` is any other redirect (the view accepted the user and sent it on, e.g. after a refused form). POST cells
send an empty form: they prove who gets in, not what the form does with good data. Each cell runs in a
savepoint that is rolled back, so one role's POST cannot change what the next role sees.
"""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.portal.url_walk import ARGUMENTS, patterns_with_ids
from tests.scenarios import PROTOCOL, ROLES, build_world

# fmt: off
# Columns, in this order: anonymous, enterprise A (owns the entry), enterprise B, recommending unit (recommended
# the entry), judge of another venue, judge of the venue, panel leader, organiser of another edition, organiser.
#                anon  ent A ent B recom judge judge lead  org   org
#                                        other venue       other
EXPECTED = {
    "api:edition": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "api:enterprise": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "api:result": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "events:announcements": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "events:category_create": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "events:category_delete": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "events:category_edit": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    # The association's pages: both organisers are on its team, neither is an administrator (tests/events covers
    # the administrators and the platform administrator).
    "events:association_member": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   403",
    },
    "events:association_settings": {
        "GET":  "login 403   403   403   403   403   403   403   403",
        "POST": "login 403   403   403   403   403   403   403   403",
    },
    "events:association_team": {
        "GET":  "login 403   403   403   403   403   403   200   200",
        "POST": "login 403   403   403   403   403   403   403   403",
    },
    "events:category_list": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "events:dashboard": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "events:team": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "events:edition_copy": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "events:edition_edit": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "events:edition_status": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "events:panel": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "events:rubric_copy": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "events:rubric_create": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "events:rubric_delete": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "events:rubric_edit": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "events:rubric_list": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "events:venue_create": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "events:venue_delete": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "events:venue_edit": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "events:venue_list": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "results:audit": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "results:audit_export": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "portal:accept_invitation": {
        "GET":  "302   200   302   302   302   302   302   302   302",
    },
    "results:plenary": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "portal:password_reset_confirm": {
        "GET":  "302   200   302   302   302   302   302   302   302",
    },
    "public:award_list_csv": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:award_list_xlsx": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:award_list_pdf": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:edition": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:enterprise": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:entry": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:entry_report": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "scoring:assign": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "scoring:autosave": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 404   404   404   404   400   404   404   404",
    },
    "scoring:autosave_entry": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   400   400   403   403",
    },
    "results:award_list_download": {
        "GET":  "404   404   404   404   404   404   404   404   200",
        "POST": "405   405   405   405   405   405   405   405   405",
    },
    "results:award_list_request": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "results:certificates": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "results:certificates_generate": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    # Both of the published edition, which the other organiser organises.
    "results:certificate_archive_download": {
        "GET":  "login 403   403   403   403   403   403   200   403",
        "POST": "login 405   405   405   405   405   405   405   405",
    },
    "results:certificate_download": {
        "GET":  "login 200   404   404   404   404   404   200   404",
        "POST": "login 405   405   405   405   405   405   405   405",
    },
    "public:association": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:association_logo": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:association_results": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:association_edition_list": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:association_statistics": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:association_award_list_csv": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:association_award_list_xlsx": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:association_award_list_pdf": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:association_edition": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:association_enterprise": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:association_entry": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:association_entry_report": {
        "GET":  "200   200   200   200   200   200   200   200   200",
    },
    "public:verify": {
        "GET":  "200   200   200   200   200   200   200   200   200",
        "POST": "405   405   405   405   405   405   405   405   405",
    },
    "public:help_guide": {
        "GET":  "200   200   200   200   200   200   200   200   200",
        "POST": "405   405   405   405   405   405   405   405   405",
    },
    "results:publication_document": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   302   403",
    },
    "results:category": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "scoring:category_venues": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "scoring:declare": {
        "GET":  "login 403   403   403   200   200   200   403   403",
        "POST": "login 403   403   403   200   200   200   403   403",
    },
    "scoring:declarations": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "scoring:declare_recusal": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   400",
    },
    "scoring:draw": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "scoring:import_sheets": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   400",
    },
    "scoring:paper_sheet_template": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "scoring:score_sheets": {
        "GET":  "login 403   403   403   403   403   200   403   200",
    },
    "scoring:judge_score_sheets": {
        "GET":  "login 403   403   403   403   403   200   403   200",
    },
    "scoring:lift_recusal": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "scoring:move": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "scoring:panel": {
        "GET":  "login 403   403   403   403   403   200   403   200",
    },
    "scoring:recusals": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "scoring:recuse": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   302   302   403   403",
    },
    "scoring:reopen_sheet": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   302   403   302",
    },
    "scoring:reopen_venue": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "results:cancel_run": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "results:compute": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "results:dashboard": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "results:publish": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "results:status": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "scoring:schedule": {
        "GET":  "login 403   403   403   403   200   200   403   200",
    },
    "scoring:score_entry": {
        "GET":  "login 403   403   403   403   200   200   403   403",
        "POST": "login 403   403   403   403   200   200   403   403",
    },
    "scoring:sheet_detail": {
        "GET":  "login 403   403   403   403   200   200   403   200",
    },
    "scoring:sign_off": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   302   403   302",
    },
    "scoring:sync_recusals": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "scoring:venue_audit": {
        "GET":  "login 403   403   403   403   403   403   403   200",
    },
    "results:venue": {
        "GET":  "login 403   403   403   403   403   200   403   200",
    },
    "scoring:workspace": {
        "GET":  "login 403   403   403   403   302   302   403   403",
    },
    "submissions:enterprise_review": {
        "GET":  "login 403   403   403   403   403   403   404   200",
        "POST": "login 403   403   403   403   403   403   404   200",
    },
    "submissions:enterprise_people": {
        "GET":  "login 403   403   403   403   403   403   404   200",
    },
    "submissions:enterprise_extend": {
        "GET":  "login 403   403   403   403   403   403   404   200",
        "POST": "login 403   403   403   403   403   403   404   200",
    },
    "submissions:entry_create": {
        "GET":  "login 302   302   403   403   403   403   403   403",
        "POST": "login 302   302   403   403   403   403   403   403",
    },
    "submissions:entry_delete": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 302   404   404   404   404   404   404   403",
    },
    "submissions:entry_detail": {
        "GET":  "login 200   404   404   404   404   404   404   200",
    },
    "submissions:entry_edit": {
        "GET":  "login 302   404   404   404   404   404   404   403",
        "POST": "login 302   404   404   404   404   404   404   403",
    },
    "submissions:entry_submit": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 302   404   404   404   404   404   404   403",
    },
    "submissions:entry_withdraw": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 302   404   404   404   404   404   404   403",
    },
    "submissions:file_download": {
        "GET":  "login 200   404   404   404   200   200   404   200",
    },
    "submissions:file_remove": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 302   404   404   404   404   404   404   403",
    },
    "submissions:file_upload": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 302   404   404   404   404   404   404   403",
    },
    "submissions:invitation_accept": {
        "GET":  "200   200   200   200   200   200   200   200   200",
        "POST": "400   400   400   400   400   400   400   400   400",
    },
    "submissions:join_request_decide": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   404   404   404   404   404   302   302",
    },
    "submissions:member_remove": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   404   404   404   404   404   404   404",
    },
    "submissions:member_role": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   404   404   404   404   404   404   404",
    },
    "submissions:recommendation_decide": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   404   302   404   404   404   404   302",
    },
    "submissions:review_entry": {
        "GET":  "login 403   403   403   403   403   403   403   200",
        "POST": "login 403   403   403   403   403   403   403   200",
    },
    "submissions:review_reopen": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "submissions:review_start": {
        "GET":  "login 405   405   405   405   405   405   405   405",
        "POST": "login 403   403   403   403   403   403   403   302",
    },
    "submissions:signup_confirm": {
        "GET":  "200   200   200   200   200   200   200   200   200",
        "POST": "302   302   302   302   302   302   302   302   302",
    },
}
# fmt: on


def _value(world, name):
    found = world.objects[name]
    return getattr(found, "pk", found)


def _outcome(response) -> str:
    if response.status_code == 302 and response["Location"].startswith(reverse("portal:login")):
        return "login"
    return str(response.status_code)


def run_cell(world, client, url, method, role) -> str:
    """One request in a savepoint that is rolled back afterwards, with a clean cache."""
    cache.clear()
    with transaction.atomic():
        client.logout()
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    return _outcome(response)


def outcomes_for(world, name, method, roles) -> list[str]:
    url = reverse(name, kwargs={key: _value(world, obj) for key, obj in ARGUMENTS[name].items()})
    client = Client()
    return [run_cell(world, client, url, method, role) for role in roles]


def outcomes(world, name, method) -> str:
    return " ".join(outcomes_for(world, name, method, ROLES))


def test_every_url_with_an_id_has_a_row():
    assert set(EXPECTED) == set(patterns_with_ids())
    assert set(ARGUMENTS) == set(patterns_with_ids())


def test_every_row_names_each_role_once():
    for name, methods in EXPECTED.items():
        for method, cells in methods.items():
            assert method in ("GET", "POST"), name
            assert len(cells.split()) == len(ROLES), (name, method)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_role_gets_the_expected_outcome(db, name):
    world = build_world()
    for method, expected in EXPECTED[name].items():
        assert (method, outcomes(world, name, method).split()) == (method, expected.split()), name


@pytest.mark.parametrize(
    "name,argument",
    [
        ("public:entry", "entry"),
        ("public:entry_report", "entry"),
        ("public:edition", "edition"),
        ("public:award_list_csv", "edition"),
        ("public:award_list_xlsx", "edition"),
        ("public:award_list_pdf", "edition"),
        ("api:result", "entry"),
        ("api:edition", "edition"),
    ],
)
def test_public_urls_of_an_edition_being_judged_are_not_found_by_anyone(db, name, argument):
    world = build_world()
    key = next(iter(ARGUMENTS[name]))
    url = reverse(name, kwargs={key: world.objects[argument].pk})
    client = Client()
    assert [run_cell(world, client, url, "GET", role) for role in ROLES] == ["404"] * len(ROLES)


@pytest.mark.parametrize(
    "name,argument",
    [
        ("public:association_entry", "entry"),
        ("public:association_entry_report", "entry"),
        ("public:association_edition", "edition"),
        ("public:association_award_list_csv", "edition"),
        ("public:association_award_list_xlsx", "edition"),
        ("public:association_award_list_pdf", "edition"),
    ],
)
def test_association_urls_of_an_edition_being_judged_are_not_found_by_anyone(db, name, argument):
    world = build_world()
    key = "entry_id" if "entry" in name else "pk"
    url = reverse(name, kwargs={"slug": world.association_slug, key: world.objects[argument].pk})
    client = Client()
    assert [run_cell(world, client, url, "GET", role) for role in ROLES] == ["404"] * len(ROLES)


def test_association_urls_of_another_association_s_objects_are_not_found_by_anyone(db):
    world = build_world()
    other = factories.AssociationFactory(slug="other")
    client = Client()
    for name, key, argument in [
        ("public:association_entry", "entry_id", "published_entry"),
        ("public:association_entry_report", "entry_id", "published_entry"),
        ("public:association_enterprise", "pk", "enterprise"),
        ("public:association_edition", "pk", "published_edition"),
        ("public:association_award_list_csv", "pk", "published_edition"),
    ]:
        url = reverse(name, kwargs={"slug": other.slug, key: world.objects[argument].pk})
        assert [run_cell(world, client, url, "GET", role) for role in ROLES] == ["404"] * len(ROLES), name


def test_public_entry_page_and_api_name_no_judge(db):
    world = build_world()
    names = [sheet["judge_name"] for sheet in PROTOCOL["sheets"]]
    ids = [str(sheet["judge"]) for sheet in PROTOCOL["sheets"]]
    for name in ("public:entry", "api:result"):
        cache.clear()
        body = Client().get(reverse(name, args=[world.published_entry.pk])).content.decode()
        assert [text for text in names + ids if text in body] == [], name
