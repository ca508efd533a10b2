"""The publication reads the sheets once (issue 18): the check of every submitted sheet's total against its points
happens in the query that reads the points for the protocols, and the rows' digest is computed from the JSON
each protocol is stored with. What a publication refuses and what it freezes stay as they were."""

import json
import logging
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from results import runs
from results.models import Publication, PublishedResult
from results.publication import content_fingerprint, encode_rows, publish_results
from scoring.models import ScoreSheet
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_total_out_of_step_is_put_right_and_the_publication_refused(computed_edition, organiser, caplog):
    edition = computed_edition["edition"]
    sheet = ScoreSheet.objects.filter(entry=computed_edition["entries"][0]).order_by("pk").first()
    right = sheet.total
    ScoreSheet.objects.filter(pk=sheet.pk).update(total=right + 1)  # a writer that forgot the total

    with caplog.at_level(logging.ERROR), translation.override("en"), pytest.raises(ValidationError) as refused:
        publish_results(edition=edition, by=organiser)

    assert "Scores changed after the results were computed" in " ".join(refused.value.messages)
    assert "1 score sheet totals differed from their points and were corrected" in caplog.text
    sheet.refresh_from_db()
    assert sheet.total == right  # put right, though the publication was refused
    assert not Publication.objects.filter(edition=edition).exists()
    # Computed again from the totals as they are, the results publish.
    runs.execute_run(run=factories.ResultRunFactory(edition=edition, started_by=organiser))
    publication = publish_results(edition=edition, by=organiser)
    assert [row.final_score for row in PublishedResult.objects.filter(publication=publication).order_by("rank")] == [
        D("85.00"),
        D("75.00"),
    ]


def test_a_publication_with_every_total_right_corrects_nothing(computed_edition, organiser, caplog):
    with caplog.at_level(logging.ERROR):
        publication = publish_results(edition=computed_edition["edition"], by=organiser)
    assert "differed" not in caplog.text
    row = PublishedResult.objects.get(publication=publication, entry=computed_edition["entries"][0])
    assert [sheet["total"] for sheet in row.protocol["sheets"]] == ["90.0", "85.0", "80.0"]
    assert row.protocol["final_score"] == "85.00"


def test_the_rows_digest_is_the_digest_of_their_json_and_each_protocol_is_encoded_once():
    rows = [
        {
            "code": "QC-1",
            "title": 'A title quoting "members": null and "protocol": null, a \\ and 标题',
            "final_score": D("85.00"),
            "rank": 1,
            "grade_position": None,
            "protocol": {"final_score": "85.00", "sheets": [{"total": "90.0"}], "note": '"members": null'},
            "members": [{"name": '王"五', "is_leader": True}],
        },
        {
            "code": "QC-2",
            "title": "",
            "final_score": None,
            "rank": None,
            "grade_position": 2,
            "protocol": {},
            "members": [],
        },
    ]

    digest, encoded = encode_rows(rows)

    assert digest == content_fingerprint(rows)
    assert [(json.loads(protocol), json.loads(members)) for protocol, members in encoded] == [
        (row["protocol"], row["members"]) for row in rows
    ]
    assert encode_rows([])[0] == content_fingerprint([])
