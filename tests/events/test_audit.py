"""The events' side of the audit trail: a category's grade rules changed after the results are computed are
recorded with who and why; saving without a change records nothing; the admin cannot change them."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation

from events import services as event_services
from events.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def test_saving_a_category_without_a_change_records_nothing(computed_edition, organiser):
    category = computed_edition["category"]
    event_services.save_category(
        category=category,
        grades=[{"position": 1, "name": "标杆", "rule": "share", "value": D("0.5"), "floor": None}],
        by=organiser,
    )
    assert not AuditEvent.objects.exists()


def test_the_category_page_asks_why_the_rules_of_computed_results_change_and_records_who(
    client_for, computed_edition, organiser
):
    category = computed_edition["category"]
    page = client_for(organiser).get(reverse("events:category_edit", args=[category.pk]))
    form, formset = page.context["form"], page.context["formset"]
    # the form as the page shows it (unticked boxes are not sent), with one grade instead of the old one
    post = {
        field.html_name: "" if field.value() is None else field.value()
        for field in form
        if not (getattr(field.field.widget, "input_type", "") == "checkbox" and not field.value())
    }
    post.update(
        {
            f"{formset.prefix}-TOTAL_FORMS": "1",
            f"{formset.prefix}-INITIAL_FORMS": "0",
            f"{formset.prefix}-MIN_NUM_FORMS": "0",
            f"{formset.prefix}-MAX_NUM_FORMS": "1000",
            f"{formset.prefix}-0-position": "1",
            f"{formset.prefix}-0-name": "标杆",
            f"{formset.prefix}-0-rule": "top_n",
            f"{formset.prefix}-0-value": "1",
        }
    )
    url = reverse("events:category_edit", args=[category.pk])

    refused = client_for(organiser).post(url, post)
    assert refused.context["form"].non_field_errors() == [
        "The results of this category are already computed: give the reason for changing its rules."
    ]
    assert (list(category.grade_rules.values_list("rule", flat=True)), AuditEvent.objects.count()) == (["share"], 0)

    response = client_for(organiser).post(url, {**post, "change_reason": "组委会决定只评一个标杆"})

    assert response.status_code == 302
    event = AuditEvent.objects.get()
    assert (event.user, event.target, event.new_values["grades"], event.reason) == (
        organiser,
        category.name,
        {"标杆": "1. top_n 1"},
        "组委会决定只评一个标杆",
    )


def test_the_admin_shows_grade_rules_read_only(client_for, computed_edition):
    superuser = factories.UserFactory(is_superuser=True, is_staff=True, role="organiser")

    page = client_for(superuser).get(reverse("admin:events_category_change", args=[computed_edition["category"].pk]))

    assert page.status_code == 200
    assert 'name="grade_rules-0-value"' not in page.content.decode()
    assert "标杆" in page.content.decode()
