import pytest
from django.urls import reverse

from scoring import sheets
from scoring.models import ScoreSheet
from tests import factories
from tests.scenarios import FULL, judged_venue, raw

pytestmark = pytest.mark.django_db


def test_admin_shows_sheets_but_does_not_let_anyone_change_them(client_for):
    setup = judged_venue(judges=1, entries=1)
    sheet = sheets.open_sheet(entry=setup.entries[0], judge=setup.judges[0])
    sheets.submit_sheet(sheet=sheet, by=setup.judges[0], raw=raw(setup.criteria, FULL), version=1)
    admin = factories.OrganiserFactory(is_staff=True, is_superuser=True)
    client = client_for(admin)
    assert client.get(reverse("admin:scoring_scoresheet_changelist")).status_code == 200
    assert client.get(reverse("admin:scoring_scoresheet_change", args=[sheet.pk])).status_code == 200
    assert client.post(reverse("admin:scoring_scoresheet_delete", args=[sheet.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:scoring_sheetaudit_changelist")).status_code == 200
    assert client.get(reverse("admin:scoring_recusal_changelist")).status_code == 200
    assert ScoreSheet.objects.filter(pk=sheet.pk, status="submitted").exists()


def test_admin_refuses_a_judge(client_for):
    response = client_for(factories.JudgeFactory()).get(reverse("admin:scoring_scoresheet_changelist"))
    assert response.status_code == 302
