"""Judges' benchmarks, against the gunicorn of the load benchmark (HTTP, judges' sessions, the real judging page).

`judges.py BASE_URL [JUDGES] [ENTRIES_PER_VENUE]`: the burst. JUDGES judges (10 per venue) at the same time
each open an entry's page, then post the sheet (submit), entry after entry. Afterwards the database must hold
every sheet, submitted, with all its criterion scores.

`judges.py wrk JUDGES GET.lua POST.lua`: the fixture of the judges' pages under wrk. JUDGES judges (10 per venue),
each with a draft sheet of the first entry of the venue already saved once; GET.lua asks each judge's scoring
page in turn, POST.lua posts each judge's sheet in turn as a saved draft (the page's form, action "save"), with
points alternating between two sets and the sheet's version counted up, so that every post is a real save: the
points stored, the version and total updated and an audit row written (a draft that brings what the sheet
holds writes nothing). wrk's two threads take the even and the odd judges, so that no two requests for one sheet
overlap (with enough judges: bench/run.py makes 400, each thread's 8 connections cycling through 200). Prints the
edition and the number of draft audit rows before the posts.

`judges.py drafts EDITION`: the number of draft audit rows of the edition's sheets (each real save writes one).
"""

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

    from demo.scale import scale_association
    from events.models import Category, Edition, PanelMember, Venue
    from events.rubrics import create_rubric_from_template
    from scoring import people
    from submissions.models import Enterprise, Entry
    from submissions.validators import example_credit_code

    User = get_user_model()
    venues_count = max(1, judges // JUDGES_PER_VENUE)
    with transaction.atomic():
        edition = Edition.objects.create(
            association=scale_association(),
            name=f"评审并发测试{secrets.token_hex(3)}",
            number=1,
            year=2026,
            status=Edition.Status.JUDGING,
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


LUA = r"""
local requests = {%(requests)s}
local threads = 0
function setup(thread)
  thread:set("parity", threads %% 2)
  threads = threads + 1
end
function init(args)
  mine = {}
  for i, r in ipairs(requests) do
    if i %% 2 == parity then table.insert(mine, r) end
  end
  turn = 0
end
function request()
  turn = turn + 1
  local r = mine[(turn - 1) %% #mine + 1]
  local headers = {["Cookie"] = r.cookie, ["Accept-Encoding"] = "%(encoding)s"}
%(body)s
end
"""
GET_BODY = """  return wrk.format("GET", r.path, headers)"""
POST_BODY = """  local k = r.k
  r.k = k + 1
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Referer"] = r.referer
  local points = (k %% 2 == 0) and r.a or r.b
  return wrk.format("POST", r.path, headers, r.form .. "&version=" .. (r.version + k) .. "&" .. points)"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_wrk_fixture(*, base, judges, get_script, post_script, encoding) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from scoring import sheets
    from scoring.models import SheetAudit
    from submissions.models import Entry

    edition, criteria, plans = make_fixture(judges, 1)

    def points(share):
        return {c.pk: str((c.max_points * Decimal(share)).quantize(Decimal("0.1"))) for c in criteria}

    first, second = points("0.7"), points("0.8")
    requests = []
    for plan in plans:
        judge = get_user_model().objects.get(pk=SessionStore(session_key=plan["session"]).load()["_auth_user_id"])
        entry = Entry.objects.get(pk=plan["entries"][0])
        sheet = sheets.open_sheet(entry=entry, judge=judge)
        sheet = sheets.save_draft(sheet=sheet, by=judge, raw=second, comment="", version=sheet.version)
        csrf = secrets.token_hex(16)  # an unmasked CSRF secret, 32 characters
        path = f"/scoring/judging/venues/{plan['venue']}/entries/{entry.pk}/"
        form = urllib.parse.urlencode({"action": "save", "comment": "", "csrfmiddlewaretoken": csrf})
        fields = {
            "path": lua_string(path),
            "cookie": lua_string(f"sessionid={plan['session']}; csrftoken={csrf}"),
            "referer": lua_string(base + path),
            "form": lua_string(form),
            "a": lua_string(urllib.parse.urlencode({f"c{pk}": value for pk, value in first.items()})),
            "b": lua_string(urllib.parse.urlencode({f"c{pk}": value for pk, value in second.items()})),
            "version": str(sheet.version),
            "k": "0",
        }
        requests.append("{" + ", ".join(f"{key} = {value}" for key, value in fields.items()) + "}")
    for target, body in ((get_script, GET_BODY), (post_script, POST_BODY)):
        with open(target, "w") as handle:
            handle.write(
                LUA % {"requests": ",\n  ".join(requests), "encoding": encoding, "body": body.replace("%%", "%")}
            )
    drafts = SheetAudit.objects.filter(sheet__entry__edition=edition, action=SheetAudit.Action.DRAFT).count()
    return {"edition": edition.pk, "judges": len(plans), "drafts_before": drafts}


def count_drafts(edition_id):
    from scoring.models import SheetAudit

    return SheetAudit.objects.filter(sheet__entry__edition_id=edition_id, action=SheetAudit.Action.DRAFT).count()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1)] if ordered else None


def main():
    if sys.argv[1] == "wrk":
        setup()
        _wrk, base, judges, get_script, post_script, encoding = sys.argv[1:7]
        answer(
            write_wrk_fixture(
                base=base, judges=int(judges), get_script=get_script, post_script=post_script, encoding=encoding
            )
        )
        return
    if sys.argv[1] == "drafts":
        setup()
        answer({"drafts": count_drafts(int(sys.argv[2]))})
        return
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
