"""Benchmark 4: 100 judges submit their sheets at the same time through the real judging page (HTTP, the
gunicorn of the load benchmark): each opens an entry's page, then posts the sheet. Afterwards the database must
hold every sheet, submitted, with all its criterion scores. Usage: judges.py BASE_URL [JUDGES] [ENTRIES_PER_VENUE]."""

import http.client
import re
import secrets
import statistics
import sys
import threading
import time
import urllib.parse
from decimal import Decimal

from common import answer, setup

JUDGES_PER_VENUE = 10
VERSION = re.compile(rb'name="version" value="(\d+)"')


def make_fixture(judges: int, per_venue: int):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from events.models import Category, Edition, PanelMember, Venue
    from events.rubrics import create_rubric_from_template
    from scoring import people
    from submissions.models import Enterprise, Entry
    from submissions.validators import example_credit_code

    User = get_user_model()
    venues_count = max(1, judges // JUDGES_PER_VENUE)
    with transaction.atomic():
        edition = Edition.objects.create(
            name=f"评审并发测试{secrets.token_hex(3)}", number=1, year=2026, status=Edition.Status.JUDGING
        )
        rubric = create_rubric_from_template(edition=edition, key="qc_problem_solving")
        category = Category.objects.create(edition=edition, name="QC小组成果", code="QC", rubric=rubric)
        criteria = list(rubric.criteria.order_by("position"))
        enterprise = Enterprise.objects.create(
            name="并发测试企业有限公司",
            credit_code=example_credit_code(edition.pk, prefix="91980000"),
            province="zhejiang",
            status=Enterprise.Status.APPROVED,
        )
        plan = []
        for v in range(venues_count):
            venue = Venue.objects.create(edition=edition, category=category, name=f"第{v + 1}分会场")
            entries = Entry.objects.bulk_create(
                Entry(
                    edition=edition,
                    category=category,
                    enterprise=enterprise,
                    code=f"QC-B{edition.pk}-{v + 1:02d}{n + 1:03d}",
                    title=f"降低装配缺陷率{v + 1}-{n + 1}",
                    topic_type=Entry.TopicType.PROBLEM_SOLVING,
                    status=Entry.Status.ACCEPTED,
                    venue=venue,
                    running_order=n + 1,
                )
                for n in range(per_venue)
            )
            for seat in range(JUDGES_PER_VENUE if v < venues_count - 1 else judges - JUDGES_PER_VENUE * v):
                judge = User(
                    email=f"bench-judge-{edition.pk}-{v + 1}-{seat + 1}@bench.qc",
                    full_name=f"评委{v + 1}-{seat + 1}",
                    role=User.Role.JUDGE,
                    organisation=f"第{seat + 1}评审单位",
                )
                judge.set_unusable_password()
                judge.save()
                PanelMember.objects.create(venue=venue, judge=judge, is_leader=seat == 0)
                # Confirmed as every judge does before the first sheet (else the page redirects to it).
                people.declare(judge=judge, edition=edition)
                session = SessionStore()
                session[SESSION_KEY] = str(judge.pk)
                session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
                session[HASH_SESSION_KEY] = judge.get_session_auth_hash()
                session.create()
                plan.append({"session": session.session_key, "venue": venue.pk, "entries": [e.pk for e in entries]})
    return edition, criteria, plan


def judge_thread(base, plan, criteria, start, out):
    host = urllib.parse.urlsplit(base)
    csrf = secrets.token_hex(16)  # an unmasked CSRF secret, 32 characters
    cookies = f"sessionid={plan['session']}; csrftoken={csrf}"
    start.wait()
    for entry in plan["entries"]:
        path = f"/scoring/judging/venues/{plan['venue']}/entries/{entry}/"
        started = time.perf_counter()
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        connection.request("GET", path, headers={"Cookie": cookies})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        out["get"].append(time.perf_counter() - started)
        match = VERSION.search(body)
        if response.status != 200 or match is None:
            out["errors"].append(f"GET {path}: {response.status}")
            continue
        fields = {f"c{c.pk}": str((c.max_points * Decimal("0.8")).quantize(Decimal("0.1"))) for c in criteria}
        fields.update(
            {"version": match.group(1).decode(), "action": "submit", "comment": "", "csrfmiddlewaretoken": csrf}
        )
        data = urllib.parse.urlencode(fields)
        started = time.perf_counter()
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        connection.request(
            "POST",
            path,
            body=data,
            headers={"Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded", "Referer": base + path},
        )
        response = connection.getresponse()
        response.read()
        connection.close()
        out["post"].append(time.perf_counter() - started)
        if response.status != 302:
            out["errors"].append(f"POST {path}: {response.status}")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1)] if ordered else None


def main():
    base = sys.argv[1].rstrip("/")
    judges = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    per_venue = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    setup()
    from scoring.models import CriterionScore, ScoreSheet

    edition, criteria, plans = make_fixture(judges, per_venue)
    out = {"get": [], "post": [], "errors": []}
    start = threading.Barrier(len(plans) + 1)
    threads = [threading.Thread(target=judge_thread, args=(base, p, criteria, start, out)) for p in plans]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    expected = sum(len(p["entries"]) for p in plans)
    sheets = ScoreSheet.objects.filter(entry__edition=edition, status=ScoreSheet.Status.SUBMITTED)
    answer(
        {
            "judges": len(plans),
            "expected_sheets": expected,
            "submitted_sheets": sheets.count(),
            "criterion_scores": CriterionScore.objects.filter(sheet__in=sheets).count(),
            "expected_scores": expected * len(criteria),
            "errors": out["errors"][:5],
            "error_count": len(out["errors"]),
            "post_p50": statistics.median(out["post"]) if out["post"] else None,
            "post_p95": percentile(out["post"], 95),
            "post_max": max(out["post"]) if out["post"] else None,
            "get_p95": percentile(out["get"], 95),
            "wall": wall,
            "sheets_per_second": expected / wall if wall else None,
        }
    )


if __name__ == "__main__":
    main()
