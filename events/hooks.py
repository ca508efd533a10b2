"""What events asks of the apps above it, without importing them.

An edition's rubrics, categories and panels are used by entries, score sheets and results, which live in apps
above this one. Those apps answer events' questions by registering functions here in their AppConfig.ready();
events calls every function registered for a question and combines the answers. With nothing registered a
question has its neutral answer (nothing in use, nothing to show).
"""

from collections.abc import Callable
from dataclasses import dataclass

_answers: dict[str, list[Callable]] = {}

# The questions, and what a registered function receives and returns:
RUBRIC_LOCKED = "rubric_locked"  # (rubric) -> bool: a judge has submitted a sheet on it
# (category, rubric, innovation_rubric) -> int: how many sheets of the category's entries, scored on the rubric each
# is judged on now (the stored category's), the new rubrics (Rubric or None) would leave out
SHEETS_OFF_RUBRIC = "sheets_off_rubric"
CRITERIA_REMOVED = "criteria_removed"  # (rubric, criterion_ids) -> None: forget the draft points given on them
CATEGORY_HAS_RESULTS = "category_has_results"  # (category) -> bool: results were computed for it
JUDGES_WITH_SHEETS = "judges_with_sheets"  # (venue, judge_ids) -> set of ids: who submitted sheets there
DASHBOARD_SECTIONS = "dashboard_sections"  # (edition) -> list[Section]: parts of the edition's dashboard
DASHBOARD_WARNINGS = "dashboard_warnings"  # (edition) -> list[str]: things an organiser should look at
ENTRY_SECTIONS = "entry_sections"  # (entry, user) -> list[Section]: parts of an entry's page (its certificates)
# (venue) -> list[RankedEntry]: the venue's provisional ranking from the sheets submitted so far (results' engine)
VENUE_RANKING = "venue_ranking"
# (edition) -> list[Todo]: work waiting in the edition, each a count with the page where it is done. The organiser's
# to-do list (events:todo) shows them for every edition the organiser runs, the edition dashboard for its edition.
TODO = "todo"
# (edition, audience) -> set of user ids: who of an announcement's audience (events.Announcement.Audience) takes
# part in the edition
ANNOUNCEMENT_RECIPIENTS = "announcement_recipients"


@dataclass
class Section:
    """A part of the edition dashboard contributed by an app: its template, its context, and its place."""

    order: int
    template: str
    context: dict


@dataclass(frozen=True)
class RankedEntry:
    """One entry of a venue's provisional ranking: its score from the counted sheets, its rank and grade (the
    grade empty where it depends on other venues); an entry with fewer counted sheets than the minimum is not
    ranked."""

    entry_id: int
    counted_sheets: int
    final_score: object  # Decimal, or None below the minimum of sheets
    ranked: bool
    rank: int | None
    grade: str


@dataclass
class Todo:
    """Work waiting for an organiser: `count` things described by `label` (a sentence with the count in it), done
    at `url`; `order` places it in the course of an edition (entries 10-19, judging 20-29, results 30-39)."""

    order: int
    label: str
    count: int
    url: str


def register(question: str):
    """Decorator: `fn` answers `question`. Registering the same function twice keeps one."""

    def decorate(fn):
        registered = _answers.setdefault(question, [])
        if fn not in registered:
            registered.append(fn)
        return fn

    return decorate


def any_true(question: str, **kwargs) -> bool:
    return any(fn(**kwargs) for fn in _answers.get(question, []))


def union(question: str, **kwargs) -> set:
    found = set()
    for fn in _answers.get(question, []):
        found |= set(fn(**kwargs))
    return found


def total(question: str, **kwargs) -> int:
    return sum(fn(**kwargs) for fn in _answers.get(question, []))


def collect(question: str, **kwargs) -> list:
    """Every registered function's list, joined in registration order."""
    items = []
    for fn in _answers.get(question, []):
        items.extend(fn(**kwargs))
    return items


def merged(question: str, **kwargs) -> dict:
    """Every registered function's dict, joined (a later registration's key wins)."""
    found = {}
    for fn in _answers.get(question, []):
        found.update(fn(**kwargs))
    return found


def notify(question: str, **kwargs) -> None:
    for fn in _answers.get(question, []):
        fn(**kwargs)


# What submissions asks about judging (answered by scoring):
ENTRY_JUDGED = "entry_judged"  # (entry) -> bool: a judge has put points or a comment on it (not an empty draft)
JUDGE_RECUSED = "judge_recused"  # (entry, judge) -> bool: the judge stands recused from it
# (entry_ids) -> {entry_id: dict}: the outcome of each entry whose edition's results are published, as the newest
# publication froze it: final_score, rank, rank_scope ("venue" or "category"), scope_name, scope_ranked, grade,
# counted_sheets, sheets (totals highest first, each with "dropped"), published_at, version (answered by results)
ENTRY_OUTCOMES = "entry_outcomes"
