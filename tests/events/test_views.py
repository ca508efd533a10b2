import re
from datetime import date, time
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events import rubrics, services
from events.models import AuditEvent, Category, Edition, GradeRule, PanelMember, Rubric, Venue
from scoring.models import ScoreSheet
from submissions.models import Entry
from tests import factories

# --- the permission matrix -------------------------------------------------------------------------

# (url name, which object's pk, method)
PAGES = [
    ("events:dashboard", "edition", "get"),
    ("events:edition_edit", "edition", "get"),
    ("events:edition_edit", "edition", "post"),
    ("events:edition_status", "edition", "post"),
    ("events:edition_copy", "edition", "get"),
    ("events:edition_copy", "edition", "post"),
    ("events:rubric_list", "edition", "get"),
    ("events:rubric_list", "edition", "post"),
    ("events:rubric_create", "edition", "post"),
    ("events:rubric_edit", "rubric", "get"),
    ("events:rubric_edit", "rubric", "post"),
    ("events:rubric_copy", "rubric", "post"),
    ("events:rubric_delete", "rubric", "post"),
    ("events:category_list", "edition", "get"),
    ("events:category_create", "edition", "post"),
    ("events:category_edit", "category", "get"),
    ("events:category_edit", "category", "post"),
    ("events:category_delete", "category", "post"),
    ("events:venue_list", "edition", "get"),
    ("events:venue_create", "edition", "post"),
    ("events:venue_edit", "venue", "get"),
    ("events:venue_edit", "venue", "post"),
    ("events:venue_delete", "venue", "post"),
    ("events:panel", "venue", "get"),
    ("events:panel", "venue", "post"),
]


@pytest.fixture
def objects(edition, category, venue):
    factories.CategoryFactory(edition=edition, name="空类别", code="XX", rubric=None)
    spare = factories.rubric_with_criteria(edition, name="备用评审表")
    return {"edition": edition, "rubric": spare, "category": category, "venue": venue}


def snapshot(edition):
    """Everything an organiser's page could change, to prove a refused request changed nothing."""
    return (
        list(Edition.objects.values_list("pk", "name", "status").order_by("pk")),
        list(Rubric.objects.values_list("pk", "name", "total").order_by("pk")),
        list(Category.objects.values_list("pk", "name", "code").order_by("pk")),
        list(GradeRule.objects.values_list("pk").order_by("pk")),
        list(Venue.objects.values_list("pk", "name").order_by("pk")),
        list(PanelMember.objects.values_list("pk").order_by("pk")),
    )


@pytest.mark.parametrize(("name", "target", "method"), PAGES)
@pytest.mark.parametrize("who", ["other_organiser", "user_a", "judge", "recommender"])
def test_pages_refuse_a_user_who_does_not_organise_the_edition(request, client_for, objects, name, target, method, who):
    client = client_for(request.getfixturevalue(who))
    before = snapshot(objects["edition"])

    response = getattr(client, method)(reverse(name, args=[objects[target].pk]), {"to": "closed", "name": "x"})

    assert response.status_code == 403
    assert snapshot(objects["edition"]) == before


@pytest.mark.parametrize(("name", "target", "method"), PAGES)
def test_pages_send_an_anonymous_visitor_to_the_log_in(client, objects, name, target, method):
    url = reverse(name, args=[objects[target].pk])

    response = getattr(client, method)(url, {"to": "closed"} if method == "post" else {})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:login')}?next={url}"
    assert Edition.objects.get(pk=objects["edition"].pk).status == Edition.Status.OPEN


@pytest.mark.parametrize("who", ["user_a", "judge", "recommender"])
def test_edition_list_and_creation_refuse_other_roles(request, client_for, who):
    client = client_for(request.getfixturevalue(who))

    assert client.get(reverse("events:edition_list")).status_code == 403
    assert client.post(reverse("events:edition_create"), {"name": "x", "number": 1, "year": 2022}).status_code == 403
    assert Edition.objects.count() == 0


def test_a_superuser_reaches_every_edition(client_for, edition):
    admin = factories.OrganiserFactory(is_superuser=True)

    response = client_for(admin).get(reverse("events:dashboard", args=[edition.pk]))

    assert response.status_code == 200
    assert response.context["edition"] == edition


# --- editions --------------------------------------------------------------------------------------


def test_edition_list_shows_only_the_organisers_editions(client_for, organiser, edition, other_organiser):
    response = client_for(organiser).get(reverse("events:edition_list"))

    assert [e.name for e in response.context["editions"]] == ["第40次质量管理小组成果交流活动"]


@pytest.mark.parametrize("size", [3, 30])
def test_edition_list_query_count_does_not_grow(client_for, organiser, django_assert_num_queries, size):
    for _n in range(size):
        edition = factories.EditionFactory()
        edition.organisers.add(organiser)
        factories.VenueFactory(category=factories.CategoryFactory(edition=edition))
    client = client_for(organiser)

    # session, user, the associations the user works for, whether the user may create an edition (the button),
    # the editions
    with django_assert_num_queries(5):
        response = client.get(reverse("events:edition_list"))

    assert len(response.context["editions"]) == size


def edition_data(**changes):
    data = {
        "name": "第41次质量管理小组成果交流活动",
        "number": "41",
        "year": "2022",
        "city": "成都",
        "starts_on": "2022-09-20",
        "ends_on": "2022-09-22",
        "hosts": "中国机械工业质量管理协会",
        "submissions_open_at": "2022-05-01T09:00",
        "submission_deadline": "2022-07-31T23:59",
        "notice": "",
        "categories": ["qc", "brand_story"],
    }
    data.update(changes)
    return data


def test_edition_create_makes_a_draft_with_the_chosen_standard_categories(client_for, organiser):
    response = client_for(organiser).post(reverse("events:edition_create"), edition_data())

    edition = Edition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("events:dashboard", args=[edition.pk])
    assert (edition.name, edition.number, edition.year, edition.status) == (
        "第41次质量管理小组成果交流活动",
        41,
        2022,
        "draft",
    )
    assert list(edition.organisers.all()) == [organiser]
    assert list(edition.categories.values_list("code", flat=True)) == ["QC", "PP"]


def test_edition_create_refuses_a_deadline_before_the_opening(client_for, organiser):
    with translation.override("en"):
        response = client_for(organiser).post(
            reverse("events:edition_create"), edition_data(submission_deadline="2022-04-01T09:00")
        )

        assert response.status_code == 200
        assert response.context["form"].errors == {
            "submission_deadline": [_("The submission deadline must come after the opening.")]
        }
    assert Edition.objects.count() == 0


def test_edition_edit_saves_the_details(client_for, organiser, edition):
    data = edition_data(name="第40次交流活动", number="40", year="2021", organisers=[organiser.pk])

    response = client_for(organiser).post(reverse("events:edition_edit", args=[edition.pk]), data)

    edition.refresh_from_db()
    assert response.status_code == 302
    assert (edition.name, edition.city, edition.hosts) == ("第40次交流活动", "成都", "中国机械工业质量管理协会")


def test_edition_edit_correcting_the_year_moves_the_dates_left_as_they_were(client_for, organiser, edition, venue):
    client = client_for(organiser)
    client.post(reverse("events:edition_edit", args=[edition.pk]), edition_data(organisers=[organiser.pk]))
    venue.date = date(2022, 9, 21)
    venue.save()

    client.post(
        reverse("events:edition_edit", args=[edition.pk]),
        edition_data(year="2023", organisers=[organiser.pk]),
    )

    edition.refresh_from_db()
    venue.refresh_from_db()
    assert (edition.year, edition.starts_on, edition.ends_on) == (2023, date(2023, 9, 20), date(2023, 9, 22))
    assert timezone.localtime(edition.submission_deadline).strftime("%Y-%m-%d %H:%M") == "2023-07-31 23:59"
    assert venue.date == date(2023, 9, 21)


def test_dashboard_counts_entries_by_category_and_status(client_for, organiser, edition, category):
    factories.EntryFactory.create_batch(2, category=category, status=Entry.Status.SUBMITTED)
    factories.EntryFactory(category=category, status=Entry.Status.ACCEPTED)
    other = factories.CategoryFactory(edition=edition, name="质量品牌故事", code="PP", position=2)
    factories.EntryFactory(category=other, status=Entry.Status.ACCEPTED)

    response = client_for(organiser).get(reverse("events:dashboard", args=[edition.pk]))

    counts = response.context["counts"]
    statuses = [value for value, _label in counts["statuses"]]
    rows = {row["category"].code: dict(zip(statuses, row["cells"], strict=True)) for row in counts["rows"]}
    assert rows["QC"]["submitted"] == 2
    assert rows["QC"]["accepted"] == 1
    assert rows["PP"]["accepted"] == 1
    assert counts["total"] == 4
    assert response.context["warnings"] == [
        _("“%(name)s” has no rubric for innovation results: they are scored on the problem-solving rubric.")
        % {"name": "QC小组成果"},
        _("“%(name)s” has no grades yet.") % {"name": "QC小组成果"},
        _("“%(name)s” has no rubric for innovation results: they are scored on the problem-solving rubric.")
        % {"name": "质量品牌故事"},
        _("“%(name)s” has no grades yet.") % {"name": "质量品牌故事"},
    ]
    assert [(item.label, item.url) for item in response.context["todo"]] == [
        ("2 entries await the format review", f"{reverse('submissions:review_list')}?edition={edition.pk}"),
        ("2 accepted entries are not assigned to a venue", reverse("scoring:category_venues", args=[category.pk])),
    ]


def test_dashboard_shows_each_venues_progress(client_for, organiser, edition, venue):
    judges = factories.JudgeFactory.create_batch(3)
    services.set_panel(venue=venue, judges=judges, leader=judges[0])
    entries = factories.EntryFactory.create_batch(2, category=venue.category, venue=venue, status="accepted")
    factories.ScoreSheetFactory(entry=entries[0], judge=judges[0], status=ScoreSheet.Status.SUBMITTED)
    factories.ScoreSheetFactory(entry=entries[0], judge=judges[1], status=ScoreSheet.Status.SUBMITTED)
    factories.ScoreSheetFactory(entry=entries[1], judge=judges[1], status=ScoreSheet.Status.DRAFT)
    factories.RecusalFactory(entry=entries[1], judge=judges[2])
    outsider = factories.JudgeFactory()
    factories.ScoreSheetFactory(entry=entries[1], judge=outsider, status=ScoreSheet.Status.SUBMITTED)

    response = client_for(organiser).get(reverse("events:dashboard", args=[edition.pk]))

    html = response.content.decode()
    row = html[html.index(f'data-venue="{venue.pk}"') :]
    row = row[: row.index("</tr>")]
    assert ('<td class="text-end">2</td>' in row, 'data-progress="2/5"' in row, 'value="40"' in row) == (
        True,
        True,
        True,
    )
    assert f'{judges[0].get_full_name()} <span class="badge text-bg-info">' in row


def test_dashboard_lists_what_is_missing_before_the_next_status(client_for, organiser, edition, category):
    edition.status = Edition.Status.CLOSED
    edition.save()

    with translation.override("en"):
        response = client_for(organiser).get(reverse("events:dashboard", args=[edition.pk]))

        readiness = {step["status"]: step["missing"] for step in response.context["readiness"]}
        assert readiness == {
            "open": [],
            "judging": [
                _("Add the venues (分会场) and their panels."),
                _("Add a venue for the category “%(name)s”.") % {"name": "QC小组成果"},
            ],
        }


@pytest.mark.parametrize("size", [3, 30])
def test_dashboard_query_count_does_not_grow(client_for, organiser, edition, django_assert_num_queries, size):
    category = factories.CategoryFactory(edition=edition)
    for n in range(size):
        venue = factories.VenueFactory(category=category, name=f"分会场{n}", date=None)
        judge = factories.JudgeFactory()
        factories.PanelMemberFactory(venue=venue, judge=judge, is_leader=True)
        entry = factories.EntryFactory(category=category, venue=venue, status="accepted")
        factories.ScoreSheetFactory(entry=entry, judge=judge, status="submitted")
    client = client_for(organiser)

    with django_assert_num_queries(23):  # with the to-do items: enterprises, reviews, unassigned, undrawn, categories
        response = client.get(reverse("events:dashboard", args=[edition.pk]))

    assert len(response.context["venues"]) == size


def test_edition_status_moves_the_edition_on(client_for, organiser, edition, category):
    response = client_for(organiser).post(reverse("events:edition_status", args=[edition.pk]), {"to": "closed"})

    assert response.status_code == 302
    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.CLOSED


def test_edition_status_shows_what_is_missing(client_for, organiser, edition, category):
    edition.status = Edition.Status.CLOSED
    edition.save()

    with translation.override("en"):
        response = client_for(organiser).post(reverse("events:edition_status", args=[edition.pk]), {"to": "judging"})

        assert [str(m) for m in get_messages(response.wsgi_request)] == [
            _("Add the venues (分会场) and their panels."),
            _("Add a venue for the category “%(name)s”.") % {"name": "QC小组成果"},
        ]
    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.CLOSED


def test_edition_copy_creates_next_years_edition(client_for, organiser, edition, venue):
    response = client_for(organiser).post(
        reverse("events:edition_copy", args=[edition.pk]),
        {"name": "第41次质量管理小组成果交流活动", "number": "41", "year": "2022"},
    )

    copy = Edition.objects.get(year=2022)
    assert response["Location"] == reverse("events:dashboard", args=[copy.pk])
    assert list(copy.venues.values_list("name", flat=True)) == ["第1分会场"]
    assert list(copy.categories.values_list("code", flat=True)) == ["QC"]


def test_edition_copy_proposes_the_next_year_and_number(client_for, organiser, edition):
    edition.name = "2021年第40次质量管理小组成果交流活动"
    edition.save()

    response = client_for(organiser).get(reverse("events:edition_copy", args=[edition.pk]))

    assert response.context["form"].initial == {
        "name": "2021年第40次质量管理小组成果交流活动".replace("2021", "2022"),
        "number": 41,
        "year": 2022,
    }


def test_edition_copy_refuses_the_same_name_and_year(client_for, organiser, edition):
    with translation.override("en"):
        response = client_for(organiser).post(
            reverse("events:edition_copy", args=[edition.pk]),
            {"name": edition.name, "number": "41", "year": "2021"},
        )

        assert response.context["form"].non_field_errors() == [
            _("There is already an edition of that name in %(year)s.") % {"year": 2021}
        ]
    assert Edition.objects.count() == 1


# --- rubrics ---------------------------------------------------------------------------------------


def criteria_post(rubric, rows, extra_fields=None):
    data = {
        "name": rubric.name,
        "kind": rubric.kind,
        "standard": rubric.standard,
        "total": str(rubric.total),
        "description": "",
        "criteria-TOTAL_FORMS": str(len(rows)),
        "criteria-INITIAL_FORMS": str(sum(1 for row in rows if row.get("id"))),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "40",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if key == "breaks_ties":
                if value:
                    data[f"criteria-{i}-{key}"] = "on"
            else:
                data[f"criteria-{i}-{key}"] = "" if value is None else str(value)
    data.update(extra_fields or {})
    return data


def test_rubric_list_adds_a_rubric_from_a_builtin_template(client_for, organiser, edition):
    response = client_for(organiser).post(reverse("events:rubric_list", args=[edition.pk]), {"template": "qc_on_site"})

    rubric = edition.rubrics.get()
    assert response["Location"] == reverse("events:rubric_edit", args=[rubric.pk])
    assert rubric.name == "QC小组现场评审表"
    assert rubric.criteria.count() == 5


@pytest.mark.parametrize("size", [3, 30])
def test_rubric_list_query_count_does_not_grow(client_for, organiser, edition, django_assert_num_queries, size):
    for n in range(size):
        factories.rubric_with_criteria(edition, name=f"评审表{n}")
    client = client_for(organiser)

    with django_assert_num_queries(6):
        response = client.get(reverse("events:rubric_list", args=[edition.pk]))

    assert len(response.context["rubrics"]) == size


def test_rubric_create_saves_a_new_rubric_with_its_criteria(client_for, organiser, edition):
    rows = [
        {"position": 1, "name": "内容", "max_points": "60", "breaks_ties": True},
        {"position": 2, "name": "表达", "max_points": "40", "breaks_ties": False},
        {"position": "", "name": "", "max_points": "", "breaks_ties": False},
    ]
    data = criteria_post(Rubric(name="自定义评审表", kind="other", total=Decimal("100")), rows)

    response = client_for(organiser).post(reverse("events:rubric_create", args=[edition.pk]), data)

    rubric = edition.rubrics.get()
    assert response["Location"] == reverse("events:rubric_edit", args=[rubric.pk])
    assert list(rubric.criteria.values_list("position", "name", "max_points", "breaks_ties")) == [
        (1, "内容", Decimal("60.0"), True),
        (2, "表达", Decimal("40.0"), False),
    ]


def test_rubric_edit_refuses_maxima_that_do_not_sum_to_the_total(client_for, organiser, edition):
    rubric = rubrics.create_rubric_from_template(edition=edition, key="brand_story")
    rows = [
        {"id": c.pk, "position": c.position, "name": c.name, "max_points": c.max_points, "breaks_ties": c.breaks_ties}
        for c in rubric.criteria.all()
    ]
    rows[0]["max_points"] = "50"

    with translation.override("en"):
        response = client_for(organiser).post(
            reverse("events:rubric_edit", args=[rubric.pk]), criteria_post(rubric, rows)
        )

        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [
            _("The maxima of the criteria add up to %(sum)s, but the rubric's total is %(total)s.")
            % {"sum": "110.0", "total": "100.0"}
        ]
    assert rubric.criteria.get(position=1).max_points == Decimal("40.0")


def test_rubric_edit_deletes_a_criterion_marked_for_deletion(client_for, organiser, edition):
    rubric = rubrics.create_rubric_from_template(edition=edition, key="brand_story")
    rows = [
        {"id": c.pk, "position": c.position, "name": c.name, "max_points": c.max_points, "breaks_ties": c.breaks_ties}
        for c in rubric.criteria.all()
    ]
    rows[0]["max_points"] = "55"
    rows[3]["DELETE"] = "on"

    response = client_for(organiser).post(reverse("events:rubric_edit", args=[rubric.pk]), criteria_post(rubric, rows))

    assert response.status_code == 302
    assert list(rubric.criteria.values_list("name", "max_points")) == [
        ("内容", Decimal("55.0")),
        ("主题与质量关联", Decimal("20.0")),
        ("表达", Decimal("25.0")),
    ]


def test_rubric_edit_keeps_the_criteria_of_a_rubric_in_use(client_for, organiser, edition, category):
    rubric = category.rubric
    entry = factories.EntryFactory(category=category, status="accepted")
    factories.ScoreSheetFactory(entry=entry, rubric=rubric, status=ScoreSheet.Status.SUBMITTED)
    rows = [
        {
            "id": c.pk,
            "position": c.position,
            "name": c.name,
            "description": "",
            "max_points": c.max_points,
            "breaks_ties": c.breaks_ties,
        }
        for c in rubric.criteria.all()
    ]
    rows[0]["max_points"], rows[1]["max_points"] = "5", "40"
    rows[0]["description"] = "紧扣方针目标"

    response = client_for(organiser).post(
        reverse("events:rubric_edit", args=[rubric.pk]), criteria_post(rubric, rows, {"total": "90"})
    )

    assert response.status_code == 302
    rubric.refresh_from_db()
    assert rubric.total == Decimal("100.0")
    assert list(rubric.criteria.values_list("max_points", flat=True)[:2]) == [Decimal("15.0"), Decimal("30.0")]
    assert rubric.criteria.get(position=1).description == "紧扣方针目标"


# --- categories ------------------------------------------------------------------------------------


def category_post(edition, rubric, grades, **changes):
    data = {
        "kind": "qc",
        "name": "QC小组成果",
        "code": "QC",
        "position": "1",
        "requires_report": "on",
        "quota_per_enterprise": "",
        "rubric": str(rubric.pk),
        "innovation_rubric": "",
        "aggregation": "trimmed_mean",
        "min_sheets": "3",
        "ranking_scope": "venue",
        "published_entries": "graded",
        "publish_protocol": "on",
        "grades-TOTAL_FORMS": str(len(grades)),
        "grades-INITIAL_FORMS": "0",
        "grades-MIN_NUM_FORMS": "0",
        "grades-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(grades):
        for key, value in row.items():
            data[f"grades-{i}-{key}"] = value
    data.update(changes)
    return data


def test_category_create_saves_the_category_with_its_grades(client_for, organiser, edition):
    rubric = factories.rubric_with_criteria(edition)
    grades = [
        {"position": "1", "name": "一等奖", "rule": "share", "value": "0.1", "floor": ""},
        {"position": "2", "name": "二等奖", "rule": "share", "value": "0.4", "floor": "70"},
        {"position": "", "name": "", "rule": "share", "value": "", "floor": ""},
    ]

    response = client_for(organiser).post(
        reverse("events:category_create", args=[edition.pk]), category_post(edition, rubric, grades)
    )

    assert response.status_code == 302
    category = edition.categories.get()
    assert response["Location"] == reverse("events:category_list", args=[edition.pk])
    assert (category.code, category.rubric, category.min_sheets) == ("QC", rubric, 3)
    assert list(category.grade_rules.values_list("name", "value", "floor")) == [
        ("一等奖", Decimal("0.1000"), None),
        ("二等奖", Decimal("0.4000"), Decimal("70.00")),
    ]


def test_category_form_sets_the_publication_policy(client_for, organiser, edition):
    rubric = factories.rubric_with_criteria(edition)
    url = reverse("events:category_create", args=[edition.pk])
    page = client_for(organiser).get(url).content.decode()
    assert 'name="published_entries"' in page and 'name="publish_protocol"' in page

    data = category_post(edition, rubric, [], published_entries="scored")
    del data["publish_protocol"]  # an unticked box is not sent
    response = client_for(organiser).post(url, data)

    assert response.status_code == 302
    category = edition.categories.get()
    assert (category.published_entries, category.publish_protocol) == ("scored", False)


def test_category_edit_refuses_a_share_above_1(client_for, organiser, edition, category):
    factories.GradeRuleFactory(category=category, position=1, name="标杆", value=Decimal("0.5"))
    grades = [{"position": "1", "name": "标杆", "rule": "share", "value": "50", "floor": ""}]

    with translation.override("en"):
        response = client_for(organiser).post(
            reverse("events:category_edit", args=[category.pk]), category_post(edition, category.rubric, grades)
        )

        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [
            _("The share of “%(name)s” must be between 0 and 1 (0.5 is half of the ranked entries).") % {"name": "标杆"}
        ]
    assert list(category.grade_rules.values_list("value", flat=True)) == [Decimal("0.5000")]


def test_category_edit_refuses_to_switch_a_rubric_with_sheets_until_confirmed_with_a_reason(
    client_for, organiser, edition, category
):
    old = category.rubric
    entry = factories.EntryFactory(category=category)
    factories.ScoreSheetFactory(entry=entry, rubric=old, status="submitted")
    new = factories.rubric_with_criteria(edition, name="新评审表")
    url = reverse("events:category_edit", args=[category.pk])
    client = client_for(organiser)

    response = client.post(url, category_post(edition, new, [], change_reason="换表"))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "1 score sheet of this category's entries was scored on its current rubric: with the new one the results "
        "would leave it out. To switch anyway, tick the confirmation and give the reason."
    ]
    category.refresh_from_db()
    assert category.rubric == old

    response = client.post(url, category_post(edition, new, [], change_reason="换表", confirm_rubric_switch="on"))

    assert response.status_code == 302
    category.refresh_from_db()
    assert category.rubric == new
    event = AuditEvent.objects.get(action=AuditEvent.Action.RUBRIC_SWITCHED)
    assert (event.user, event.reason, event.new_values["excluded_sheets"]) == (organiser, "换表", 1)


def test_category_edit_refuses_a_rubric_switch_by_another_editions_organiser(
    client_for, other_organiser, edition, category
):
    old = category.rubric
    factories.ScoreSheetFactory(entry=factories.EntryFactory(category=category), rubric=old, status="submitted")
    new = factories.rubric_with_criteria(edition, name="新评审表")

    response = client_for(other_organiser).post(
        reverse("events:category_edit", args=[category.pk]),
        category_post(edition, new, [], change_reason="换表", confirm_rubric_switch="on"),
    )

    assert response.status_code == 403
    category.refresh_from_db()
    assert category.rubric == old
    assert AuditEvent.objects.count() == 0


def test_category_form_offers_only_the_editions_rubrics(client_for, organiser, edition, category):
    factories.rubric_with_criteria(factories.EditionFactory(), name="别的评审表")

    response = client_for(organiser).get(reverse("events:category_edit", args=[category.pk]))

    assert list(response.context["form"].fields["rubric"].queryset) == [category.rubric]


@pytest.mark.parametrize("size", [3, 30])
def test_category_list_query_count_does_not_grow(client_for, organiser, edition, django_assert_num_queries, size):
    for _n in range(size):
        factories.GradeRuleFactory(category=factories.CategoryFactory(edition=edition))
    client = client_for(organiser)

    with django_assert_num_queries(6):
        response = client.get(reverse("events:category_list", args=[edition.pk]))

    assert len(response.context["categories"]) == size


def test_category_delete_removes_an_unused_category(client_for, organiser, edition, category):
    response = client_for(organiser).post(reverse("events:category_delete", args=[category.pk]))

    assert response.status_code == 302
    assert edition.categories.count() == 0


# --- venues and panels -----------------------------------------------------------------------------


def venue_post(category, **changes):
    data = {
        "category": str(category.pk),
        "name": "第2分会场",
        "room": "302",
        "date": "2021-09-24",
        "start_time": "08:30",
        "end_time": "",
        "planned_entries": "12",
        "minutes_per_entry": "15",
        "minutes_for_comments": "5",
        "topic_type": "",
    }
    data.update(changes)
    return data


def test_venue_create_saves_the_venue_and_asks_for_its_panel(client_for, organiser, edition, category):
    response = client_for(organiser).post(reverse("events:venue_create", args=[edition.pk]), venue_post(category))

    venue = edition.venues.get()
    assert response["Location"] == reverse("events:panel", args=[venue.pk])
    assert (venue.name, venue.start_time, venue.computed_end_time) == ("第2分会场", time(8, 30), time(12, 30))


def test_venue_create_refuses_an_end_before_the_start(client_for, organiser, edition, category):
    with translation.override("en"):
        response = client_for(organiser).post(
            reverse("events:venue_create", args=[edition.pk]), venue_post(category, end_time="08:00")
        )

        assert response.context["form"].errors == {"end_time": [_("The venue must end after it starts.")]}
    assert edition.venues.count() == 0


def test_venue_form_refuses_a_category_of_another_edition(client_for, organiser, edition):
    foreign = factories.CategoryFactory()

    response = client_for(organiser).post(reverse("events:venue_create", args=[edition.pk]), venue_post(foreign))

    assert response.status_code == 200
    assert "category" in response.context["form"].errors
    assert Venue.objects.count() == 0


def test_panel_saves_the_judges_and_the_leader(client_for, organiser, venue):
    judges = factories.JudgeFactory.create_batch(3)

    response = client_for(organiser).post(
        reverse("events:panel", args=[venue.pk]),
        {"judges": [j.pk for j in judges], "leader": judges[2].pk},
    )

    assert response["Location"] == reverse("events:venue_list", args=[venue.edition_id])
    assert sorted(venue.panel.values_list("judge_id", "is_leader")) == sorted(
        [(judges[0].pk, False), (judges[1].pk, False), (judges[2].pk, True)]
    )


def test_panel_refuses_a_judge_sitting_elsewhere_at_the_same_time(client_for, organiser, edition, category):
    judge = factories.JudgeFactory(full_name="王评委")
    first = factories.VenueFactory(category=category, name="第1分会场", start_time=time(8, 30), planned_entries=10)
    second = factories.VenueFactory(category=category, name="第2分会场", start_time=time(10, 0), planned_entries=10)
    services.set_panel(venue=first, judges=[judge])

    with translation.override("en"):
        response = client_for(organiser).post(reverse("events:panel", args=[second.pk]), {"judges": [judge.pk]})

        assert response.context["form"].non_field_errors() == [
            _("%(judge)s already sits on %(venue)s at the same time.") % {"judge": "王评委", "venue": "第1分会场"}
        ]
    assert second.panel.count() == 0


def test_panel_offers_only_active_judges(client_for, organiser, venue, judge, user_a):
    factories.JudgeFactory(is_active=False)

    response = client_for(organiser).get(reverse("events:panel", args=[venue.pk]))

    assert list(response.context["form"].fields["judges"].queryset) == [judge]


def test_panel_tells_which_judges_sit_elsewhere_at_the_same_time(client_for, organiser, edition, category):
    busy, free = factories.JudgeFactory(full_name="忙评委", organisation=""), factories.JudgeFactory(full_name="闲评委")
    first = factories.VenueFactory(category=category, name="第1分会场", start_time=time(8, 30), end_time=time(12, 0))
    second = factories.VenueFactory(category=category, name="第2分会场", start_time=time(9, 0), end_time=time(11, 0))
    services.set_panel(venue=first, judges=[busy])

    response = client_for(organiser).get(reverse("events:panel", args=[second.pk]))

    field = response.context["form"].fields["judges"]
    assert field.label_from_instance(busy) == "忙评委 — " + _("at this time on %(venues)s") % {"venues": "第1分会场"}
    assert field.label_from_instance(free) == f"闲评委 · {free.organisation}"


@pytest.mark.parametrize("size", [3, 30])
def test_venue_list_query_count_does_not_grow(client_for, organiser, edition, django_assert_num_queries, size):
    category = factories.CategoryFactory(edition=edition)
    for n in range(size):
        factories.PanelMemberFactory(venue=factories.VenueFactory(category=category, name=f"分会场{n}"))
    client = client_for(organiser)

    with django_assert_num_queries(6):
        response = client.get(reverse("events:venue_list", args=[edition.pk]))

    assert len(response.context["venues"]) == size


def test_venue_list_shows_the_topic_type_a_venue_hears(client_for, organiser, edition, category):
    factories.VenueFactory(category=category, topic_type=Entry.TopicType.INNOVATION)

    response = client_for(organiser).get(reverse("events:venue_list", args=[edition.pk]))

    assert f'data-topic-type="innovation">{_("Innovation")}<' in response.content.decode()


def test_venue_edit_refuses_to_move_a_venue_with_entries_to_another_category(client_for, organiser, edition, venue):
    factories.EntryFactory(category=venue.category, venue=venue)
    other = factories.CategoryFactory(edition=edition, name="质量品牌故事", code="PP")

    response = client_for(organiser).post(
        reverse("events:venue_edit", args=[venue.pk]), venue_post(other, name=venue.name)
    )

    assert response.context["form"].non_field_errors() == [
        _("Entries are assigned to this venue: its category cannot change.")
    ]
    assert Venue.objects.get(pk=venue.pk).category == venue.category


def test_venue_delete_removes_a_venue_without_entries(client_for, organiser, edition, venue):
    factories.PanelMemberFactory(venue=venue)

    response = client_for(organiser).post(reverse("events:venue_delete", args=[venue.pk]))

    assert response["Location"] == reverse("events:venue_list", args=[edition.pk])
    assert edition.venues.count() == 0
    assert PanelMember.objects.count() == 0


def test_venue_delete_refuses_a_venue_with_entries(client_for, organiser, edition, venue):
    factories.EntryFactory(category=venue.category, venue=venue)

    response = client_for(organiser).post(reverse("events:venue_delete", args=[venue.pk]))

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        _("Entries are assigned to this venue: move them to another venue first.")
    ]
    assert edition.venues.count() == 1


def test_rubric_copy_makes_an_editable_copy(client_for, organiser, edition, category):
    response = client_for(organiser).post(reverse("events:rubric_copy", args=[category.rubric.pk]), {"name": "新表"})

    copy = edition.rubrics.get(name="新表")
    assert response["Location"] == reverse("events:rubric_edit", args=[copy.pk])
    assert copy.criteria.count() == 6


def test_rubric_delete_refuses_a_rubric_in_use_and_removes_an_unused_one(client_for, organiser, edition, category):
    spare = factories.rubric_with_criteria(edition, name="备用")
    client = client_for(organiser)

    refused = client.post(reverse("events:rubric_delete", args=[category.rubric.pk]))
    deleted = client.post(reverse("events:rubric_delete", args=[spare.pk]))

    assert refused["Location"] == reverse("events:rubric_edit", args=[category.rubric.pk])
    assert deleted["Location"] == reverse("events:rubric_list", args=[edition.pk])
    assert list(edition.rubrics.values_list("pk", flat=True)) == [category.rubric.pk]


def test_admin_shows_the_criteria_of_a_rubric_in_use_read_only(client_for, edition, category):
    admin_user = factories.OrganiserFactory(is_superuser=True, is_staff=True)
    entry = factories.EntryFactory(category=category, status="accepted")
    factories.ScoreSheetFactory(entry=entry, rubric=category.rubric, status=ScoreSheet.Status.SUBMITTED)
    spare = factories.rubric_with_criteria(edition, name="备用")
    client = client_for(admin_user)

    locked = client.get(reverse("admin:events_rubric_change", args=[category.rubric.pk]))
    free = client.get(reverse("admin:events_rubric_change", args=[spare.pk]))

    assert 'name="criteria-0-max_points"' not in locked.content.decode()
    assert 'name="criteria-0-max_points"' in free.content.decode()


def test_edition_edit_adds_a_co_organiser(client_for, organiser, edition, other_organiser):
    data = edition_data(name=edition.name, number="40", year="2021", organisers=[organiser.pk, other_organiser.pk])

    client_for(organiser).post(reverse("events:edition_edit", args=[edition.pk]), data)

    assert set(edition.organisers.all()) == {organiser, other_organiser}
    assert client_for(other_organiser).get(reverse("events:dashboard", args=[edition.pk])).status_code == 200


def test_edition_edit_offers_only_organisers_and_requires_one(client_for, organiser, edition, judge):
    data = edition_data(name=edition.name, number="40", year="2021", organisers=[judge.pk])

    response = client_for(organiser).post(reverse("events:edition_edit", args=[edition.pk]), data)

    assert list(response.context["form"].errors) == ["organisers"]
    assert list(edition.organisers.all()) == [organiser]


def test_update_edition_refuses_to_leave_an_edition_without_organisers(edition):
    with pytest.raises(ValidationError) as excinfo:
        services.update_edition(edition=edition, organisers=[])

    assert excinfo.value.messages == [_("An edition needs at least one organiser.")]


def test_the_dashboard_status_form_cannot_publish(client_for, organiser, edition, category):
    edition.status = Edition.Status.JUDGING
    edition.save()
    factories.ResultFactory(entry=factories.EntryFactory(category=category))

    response = client_for(organiser).post(reverse("events:edition_status", args=[edition.pk]), {"to": "published"})

    assert (response.status_code, Edition.objects.get(pk=edition.pk).status) == (302, "judging")
    page = client_for(organiser).get(reverse("events:dashboard", args=[edition.pk])).content.decode()
    assert ('data-status-button="published"' in page, reverse("results:dashboard", args=[edition.pk]) in page) == (
        False,
        True,
    )


# --- the next step, the to-do list, the organiser team ---------------------------------------------


def test_dashboard_links_the_unassigned_entries_to_the_assignment_page(client_for, organiser, edition, category):
    factories.EntryFactory.create_batch(3, category=category, status=Entry.Status.ACCEPTED)
    page = client_for(organiser).get(reverse("events:dashboard", args=[edition.pk])).content.decode()
    assignment = reverse("scoring:category_venues", args=[category.pk])
    assert f'href="{assignment}" data-todo="20"><span>3 accepted entries are not assigned to a venue</span>' in page


def test_dashboard_links_the_draw_recusals_declarations_and_paper_sheets(client_for, organiser, edition, category):
    page = client_for(organiser).get(reverse("events:dashboard", args=[edition.pk])).content.decode()
    for url, step in (
        (reverse("scoring:category_venues", args=[category.pk]), f"assign-{category.pk}"),
        (reverse("scoring:recusals", args=[edition.pk]), "recusals"),
        (reverse("scoring:declarations", args=[edition.pk]), "declarations"),
        (reverse("scoring:import_sheets", args=[edition.pk]), "paper-sheets"),
        (reverse("scoring:judges"), "judges"),
    ):
        assert f'href="{url}" data-step="{step}"' in page


def test_dashboard_names_undrawn_venues_missing_sheets_and_venues_not_signed_off(client_for, organiser, edition, venue):
    edition.status = Edition.Status.JUDGING
    edition.save()
    judges = factories.JudgeFactory.create_batch(2)
    services.set_panel(venue=venue, judges=judges, leader=judges[0])
    entries = factories.EntryFactory.create_batch(2, category=venue.category, venue=venue, status="accepted")
    factories.ScoreSheetFactory(entry=entries[0], judge=judges[0], status=ScoreSheet.Status.SUBMITTED)
    response = client_for(organiser).get(reverse("events:dashboard", args=[edition.pk]))
    board = f"{reverse('scoring:live_board')}?edition={edition.pk}"
    assert [(item.label, item.count, item.url) for item in response.context["todo"]] == [
        ("1 venue has no drawn running order", 1, reverse("scoring:category_venues", args=[venue.category_id])),
        ("3 score sheets are missing", 3, board),
        ("1 venue is not signed off", 1, board),
    ]


def test_todo_lists_the_waiting_work_of_each_edition_the_organiser_runs(client_for, organiser, edition, category):
    factories.EntryFactory(category=category, status=Entry.Status.SUBMITTED)
    pending = factories.EnterpriseFactory(status="pending")
    pending.editions.add(edition)
    factories.EditionFactory(name="别人的活动")  # not the organiser's: not listed
    response = client_for(organiser).get(reverse("events:todo"))
    assert [edition_.pk for edition_, _items in response.context["rows"]] == [edition.pk]
    items = response.context["rows"][0][1]
    assert [(item.label, item.count, item.url) for item in items] == [
        ("1 enterprise awaits approval", 1, reverse("submissions:enterprise_list")),
        ("1 entry awaits the format review", 1, f"{reverse('submissions:review_list')}?edition={edition.pk}"),
    ]
    assert 'data-count="1"' in response.content.decode()


def test_todo_names_the_results_to_publish_once_every_venue_is_signed_off(client_for, organiser, edition, venue):
    edition.status = Edition.Status.JUDGING
    edition.save()
    venue.signed_off_at = timezone.now()
    venue.save()
    items = client_for(organiser).get(reverse("events:todo")).context["rows"][0][1]
    assert [(item.order, item.url) for item in items] == [(30, reverse("results:dashboard", args=[edition.pk]))]


def test_todo_refuses_a_judge_and_an_enterprise_user(client_for, judge, user_a):
    assert client_for(judge).get(reverse("events:todo")).status_code == 403
    assert client_for(user_a).get(reverse("events:todo")).status_code == 403


def test_team_adds_and_removes_a_colleague_audited(client_for, organiser, edition):
    colleague = factories.OrganiserFactory(full_name="同事")
    client = client_for(organiser)
    response = client.post(reverse("events:team", args=[edition.pk]), {"action": "add", "user": colleague.pk})
    assert (response.status_code, response.url) == (302, reverse("events:team", args=[edition.pk]))
    assert set(edition.organisers.all()) == {organiser, colleague}
    client.post(reverse("events:team", args=[edition.pk]), {"action": "remove", "user": colleague.pk})
    assert list(edition.organisers.all()) == [organiser]
    events = list(AuditEvent.objects.filter(edition=edition).order_by("at", "id"))
    assert [(e.action, e.user, e.target, e.new_values) for e in events] == [
        ("organiser_added", organiser, "同事", {"user": colleague.pk, "email": colleague.email}),
        ("organiser_removed", organiser, "同事", {"user": colleague.pk, "email": colleague.email}),
    ]


def test_team_keeps_the_last_organiser(client_for, organiser, edition):
    response = client_for(organiser).post(
        reverse("events:team", args=[edition.pk]), {"action": "remove", "user": organiser.pk}
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["An edition needs at least one organiser."]
    assert list(edition.organisers.all()) == [organiser]
    assert not AuditEvent.objects.filter(edition=edition).exists()


def test_team_refuses_an_organiser_of_another_edition(client_for, other_organiser, edition):
    response = client_for(other_organiser).post(
        reverse("events:team", args=[edition.pk]), {"action": "add", "user": other_organiser.pk}
    )
    assert response.status_code == 403
    assert other_organiser not in edition.organisers.all()


def test_editing_the_edition_s_organisers_is_audited(client_for, organiser, edition):
    colleague = factories.OrganiserFactory(full_name="同事")
    services.update_edition(edition=edition, organisers=[colleague], by=organiser)
    assert list(AuditEvent.objects.filter(edition=edition).order_by("id").values_list("action", "target")) == [
        ("organiser_added", "同事"),
        ("organiser_removed", organiser.full_name),
    ]


def test_category_list_shows_a_share_as_a_percentage(client_for, organiser, edition):
    category = factories.CategoryFactory(edition=edition)
    factories.GradeRuleFactory(category=category, position=1, name="一等奖", rule="share", value=Decimal("0.15"))
    factories.GradeRuleFactory(category=category, position=2, name="二等奖", rule="top_n", value=Decimal("10"))

    html = client_for(organiser).get(reverse("events:category_list", args=[edition.pk])).content.decode()

    assert re.findall(r'data-grade="[^"]+">[^:]+: [^<]*? ([^ <]+)<', html) == ["15%", "10"]
