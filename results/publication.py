"""Publication: the edition's current results frozen into a numbered, public Publication with its rows.

`publish_results(*, edition, by, reason)` checks that the results are computed from the sheets as they are
(every sheet's total against its points, then the inputs' fingerprint) and that every venue is signed off, then
copies the results with their protocols (results.protocols, judges left out) into PublishedResult rows.

Publications of one edition are serialised by a lock on the edition's row; publishing what the last version
already holds is refused, so that concurrent clicks make one version.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections import defaultdict, namedtuple
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils.translation import gettext as _

from events import audit
from events.models import Category, Edition, Venue
from events.services import record_published
from results.award_lists import queue_award_lists
from results.certificates import queue_certificates
from results.computation import (
    WRITE_BATCH,
    collector_paused,
    considered_entries,
    copy_text_field,
    outcomes_of,
    result_categories,
)
from results.models import ACTIVE, Publication, PublishedResult, Result, ResultRun
from results.notifications import notify_enterprises
from results.protocols import TotalsOutOfStep, load_inputs, protocols, scores_of
from results.runs import latest_done_run
from scoring.models import ScoreSheet
from submissions.models import Entry, Member

logger = logging.getLogger(__name__)

# A stored result as protocols() reads it, from the values the publication has fetched.
_Stored = namedtuple("_Stored", "entry_id category_id venue_id final_score counted_sheets ranked rank grade")


def public_protocol_copy(protocol: dict) -> dict:
    """The protocol as frozen in a publication: totals, drops and tie-break values, no judge identity."""
    sheets = sorted(
        (
            {"total": s["total"], "dropped": s.get("dropped", ""), "tie_points": s.get("tie_points", [])}
            for s in protocol.get("sheets", [])
        ),
        key=lambda s: (-Decimal(s["total"]), s["dropped"]),
    )
    kept = {
        key: protocol.get(key)
        for key in (
            "aggregation",
            "min_sheets",
            "counted_sheets",
            "kept_sum",
            "kept_count",
            "exact",
            "final_score",
            "tie_breaks",
            "tie_values",
            "scope",
            "scope_ranked",
            "rank",
            "grade",
            "flags",
            "fingerprint",
        )
    }
    kept["sheets"] = sheets
    kept["recused"] = len(protocol.get("recused", []))
    return kept


def grade_counts(results: list[dict]) -> list[dict]:
    """Per category: entries, ranked entries and the number of each grade (best first), from result values."""
    lines = {}
    for category in Category.objects.filter(pk__in={r["category_id"] for r in results}).prefetch_related("grade_rules"):
        lines[category.pk] = {
            "category": category.pk,
            "name": category.name,
            "position": category.position,
            "entries": 0,
            "ranked": 0,
            "grades": {g.name: 0 for g in category.grade_rules.all()},
        }
    for result in results:
        line = lines[result["category_id"]]
        line["entries"] += 1
        line["ranked"] += int(result["ranked"])
        if result["grade"]:
            line["grades"][result["grade"]] = line["grades"].get(result["grade"], 0) + 1
    return sorted(lines.values(), key=lambda line: (line["position"], line["category"]))


def unsigned_venues(edition) -> list[str]:
    """Names of the venues with entries in the results that their panel leader has not signed off yet."""
    return list(
        Venue.objects.filter(
            edition=edition, signed_off_at__isnull=True, pk__in=considered_entries().values("venue_id")
        )
        .order_by("name")
        .values_list("name", flat=True)
    )


def content_fingerprint(rows: list[dict]) -> str:
    """A digest of a publication's rows (the PublishedResult fields, protocols and members included)."""
    return hashlib.sha256(json.dumps(rows, sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()


def encode_rows(rows: list[dict]) -> tuple[str, list[tuple[str, str]]]:
    """content_fingerprint of the rows, and each row's protocol and members as JSON: each protocol is encoded
    once, for the digest and for the database (encoding them twice was a tenth of the publication).

    The digest is content_fingerprint's, byte for byte: the list's JSON is its rows' JSON joined by ", ", and a
    row's JSON (keys sorted) is that of its other fields with the two encoded values put in place of the nulls
    first encoded under their keys (the only unescaped `"members": null` of a row is its key's: a string's
    quotes are escaped)."""
    digest = hashlib.sha256(b"[")
    encoded = []
    for index, row in enumerate(rows):
        protocol = json.dumps(row["protocol"], sort_keys=True, cls=DjangoJSONEncoder)
        members = json.dumps(row["members"], sort_keys=True, cls=DjangoJSONEncoder)
        text = (
            json.dumps({**row, "protocol": None, "members": None}, sort_keys=True, cls=DjangoJSONEncoder)
            .replace('"members": null', '"members": ' + members, 1)
            .replace('"protocol": null', '"protocol": ' + protocol, 1)
        )
        digest.update(((", " if index else "") + text).encode())
        encoded.append((protocol, members))
    digest.update(b"]")
    return digest.hexdigest(), encoded


PUBLISHED_COLUMNS = (
    "publication_id",
    "edition_id",
    "category_id",
    "venue_id",
    "entry_id",
    "enterprise_id",
    "code",
    "title",
    "group_name",
    "enterprise_name",
    "province",
    "topic_type",
    "venue_name",
    "final_score",
    "rank",
    "grade",
    "grade_position",
)


def write_rows(*, publication, rows: list[dict], encoded: list[tuple[str, str]]) -> None:
    """The publication's rows, with their protocols and members already encoded (encode_rows). PostgreSQL: one
    COPY (bulk_create spent more building 20,000 instances and 380,000 parameters than the database did)."""
    if connection.vendor != "postgresql":
        PublishedResult.objects.bulk_create(
            (PublishedResult(publication=publication, edition_id=publication.edition_id, **row) for row in rows),
            batch_size=WRITE_BATCH,
        )
        return
    field = copy_text_field
    keys = PUBLISHED_COLUMNS[2:]
    lead = f"{publication.pk}\t{publication.edition_id}\t"
    text = io.StringIO(
        "".join(
            lead + "\t".join([*(field(row[key]) for key in keys), field(protocol), field(members)]) + "\n"
            for row, (protocol, members) in zip(rows, encoded, strict=True)
        )
    )
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in (*PUBLISHED_COLUMNS, "protocol", "members"))
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {quote(PublishedResult._meta.db_table)} ({columns}) FROM STDIN", text)


def computation_under_way(edition, newest_done) -> bool:
    """Whether a run newer than the newest done one is queued or running: its results are about to replace the
    stored ones. Older runs still marked active lost their worker (the sweep fails them) and are ignored."""
    active = ResultRun.objects.filter(edition=edition, status__in=ACTIVE)
    if newest_done is not None:
        active = active.filter(pk__gt=newest_done.pk)
    return active.exists()


def set_edition_published(*, edition, by) -> None:
    record_published(edition=edition, by=by)


def publishable_results(edition):
    """The results a publication freezes: those of the edition's accepted entries."""
    return Result.objects.filter(category__edition=edition, entry__status=Entry.Status.ACCEPTED)


def publication_summary(edition) -> list[dict]:
    """What publishing now would publish, per category (grade_counts): for the organiser to confirm."""
    return grade_counts(list(publishable_results(edition).values("category_id", "ranked", "grade")))


def publish_results(
    *, edition, by, reason: str = "", seen: str | None = None, document_number: str = "", document_date=None
) -> Publication:
    """Freeze the edition's current results into a new publication and make them public.

    The first publication needs no reason; a re-publication does, and every earlier version stays.
    First every sheet's stored total is checked against its points and put right where it differs (a total out
    of step would be a defect of whatever wrote the points): the results were computed from those totals, so
    the fingerprint then differs and the publication is refused until the results are computed again.
    `seen`: the fingerprint of the run whose summary the organiser confirmed; other results are not published.
    """
    try:
        # Paused for the whole publication: its loaded sheets, protocols and rows are hundreds of thousands of
        # objects, and each allocation moved the collector on to walk them again (results.computation).
        with collector_paused():
            return _publish(
                edition=edition,
                by=by,
                reason=reason,
                seen=seen,
                document_number=document_number,
                document_date=document_date,
            )
    except TotalsOutOfStep as out_of_step:
        # Found by the query that reads the sheets' points for the protocols (load_inputs): put right once the
        # publication's transaction is rolled back, then refused as any change of the scores after the computation.
        repaired = ScoreSheet.objects.filter(pk__in=out_of_step.sheet_ids).refresh_totals()
        logger.error(
            "Edition %s: %s score sheet totals differed from their points and were corrected.", edition.pk, repaired
        )
        raise ValidationError(
            _("Scores changed after the results were computed: compute them again and review them first.")
        ) from None


@transaction.atomic
def _publish(
    *, edition, by, reason: str, seen: str | None, document_number: str = "", document_date=None
) -> Publication:
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    reason = (reason or "").strip()
    previous = edition.publications.order_by("-version").first()
    if previous is not None and not reason:
        raise ValidationError(_("The results are already published: give the reason for publishing them again."))
    run = latest_done_run(edition)
    if computation_under_way(edition, run):
        raise ValidationError(_("A computation of the results is under way: wait for it to finish."))
    if run is None:
        raise ValidationError(_("Compute the results before publishing them."))
    if seen is not None and seen != run.fingerprint:
        raise ValidationError(
            _("The results were computed again after you saw their summary: check the new summary and confirm it.")
        )
    unsigned = unsigned_venues(edition)
    if unsigned:
        raise ValidationError(_("These venues are not signed off yet: %(venues)s.") % {"venues": ", ".join(unsigned)})
    # One load of the sheets (every counted sheet with its tie-break points, each submitted sheet's total checked
    # against its points) serves both the check that the stored results are the computation's and the protocols.
    inputs = load_inputs(result_categories(edition), check_totals=True)
    fingerprint, outcomes = outcomes_of([scores_of(item) for item in inputs])
    if fingerprint != run.fingerprint:
        raise ValidationError(
            _("Scores changed after the results were computed: compute them again and review them first.")
        )
    accepted = publishable_results(edition)
    results = list(
        accepted.order_by("category__position", "category_id", "rank", "entry__code").values(
            "category_id",
            "venue_id",
            "entry_id",
            "counted_sheets",
            "final_score",
            "ranked",
            "rank",
            "grade",
            "grade_position",
            "venue__name",
            "entry__enterprise_id",
            "entry__code",
            "entry__title",
            "entry__group_name",
            "entry__topic_type",
            "entry__enterprise__name",
            "entry__enterprise__province",
        )
    )
    if not results:
        raise ValidationError(_("There are no results to publish."))
    stored = {
        r["entry_id"]: (
            r["venue_id"],
            r["counted_sheets"],
            r["final_score"],
            r["ranked"],
            r["rank"],
            r["grade"],
            r["grade_position"],
        )
        for r in results
    }
    if stored != outcomes:
        # Part of a run that was cancelled or lost its worker in the middle, stored over the last complete one.
        raise ValidationError(
            _("The stored results are not those of one complete computation: compute them again and review them.")
        )
    built = protocols(
        [_Stored(**{field: r[field] for field in _Stored._fields}) for r in results],
        fingerprint=fingerprint,
        inputs=inputs,
    )
    del inputs
    members = defaultdict(list)
    for entry_id, name, group_role, post, is_leader in (
        Member.objects.filter(entry__in=accepted.values("entry_id"))
        .order_by("entry_id", "position", "pk")
        .values_list("entry_id", "name", "group_role", "post", "is_leader")
    ):
        members[entry_id].append({"name": name, "group_role": group_role, "post": post, "is_leader": is_leader})
    rows = [
        {
            "category_id": r["category_id"],
            "venue_id": r["venue_id"],
            "entry_id": r["entry_id"],
            "enterprise_id": r["entry__enterprise_id"],
            "code": r["entry__code"],
            "title": r["entry__title"],
            "group_name": r["entry__group_name"],
            "enterprise_name": r["entry__enterprise__name"],
            "province": r["entry__enterprise__province"],
            "topic_type": r["entry__topic_type"],
            "venue_name": r["venue__name"] or "",
            "final_score": r["final_score"],
            "rank": r["rank"],
            "grade": r["grade"],
            "grade_position": r["grade_position"],
            "protocol": public_protocol_copy(built.get(r["entry_id"], {})),
            "members": members[r["entry_id"]],
        }
        for r in results
    ]
    content, encoded = encode_rows(rows)
    if previous is not None and previous.content_fingerprint == content and edition.status == Edition.Status.PUBLISHED:
        raise ValidationError(
            _("Nothing changed since version %(version)s: it is not published again.") % {"version": previous.version}
        )
    set_edition_published(edition=edition, by=by)
    publication = Publication.objects.create(
        edition=edition,
        version=(previous.version + 1) if previous else 1,
        published_by=by,
        reason=reason,
        fingerprint=fingerprint,
        content_fingerprint=content,
        snapshot={"run": run.pk, "computed_at": run.finished_at.isoformat(), "categories": grade_counts(results)},
        document_number=(document_number or "").strip(),
        document_date=document_date,
    )
    audit.record(
        edition=edition,
        user=by,
        action=audit.Action.PUBLISHED,
        target=f"v{publication.version}",
        old={"version": previous.version} if previous else {},
        new={
            "version": publication.version,
            "run": run.pk,
            "entries": len(results),
            **{line["name"]: line["grades"] for line in publication.snapshot["categories"]},
        },
        reason=reason,
    )
    write_rows(publication=publication, rows=rows, encoded=encoded)
    del encoded
    # The public pages' cache moves on when the Publication is saved (public.queries connects to it).
    queue_award_lists(edition=edition, publication=publication, by=by)
    # Certificates follow every publication; the enterprises are told where to download theirs once printed.
    queue_certificates(publication=publication, by=by, notify=True)
    notify_enterprises(publication)
    return publication


@transaction.atomic
def set_document(*, publication, by, document_number: str, document_date) -> Publication:
    """Set the notice's document number and date of a publication (often known only after it is published); its
    award lists are made again with them in their header. Nothing else of the publication changes."""
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    old = {"document_number": publication.document_number, "document_date": publication.document_date}
    publication.document_number = (document_number or "").strip()
    publication.document_date = document_date
    new = {"document_number": publication.document_number, "document_date": publication.document_date}
    if new == old:
        return publication
    publication.save(update_fields=["document_number", "document_date"])
    audit.record(
        edition=publication.edition,
        user=by,
        action=audit.Action.DOCUMENT_SET,
        target=f"v{publication.version}",
        old={key: str(value or "") for key, value in old.items()},
        new={key: str(value or "") for key, value in new.items()},
    )
    queue_award_lists(edition=publication.edition, publication=publication, by=by)
    return publication
