"""Printable score sheets: the paper fallback when a judge's device fails (DOMAIN.md section 8).

One PDF for a venue, a page (or more) per judge of its panel: the venue's entries in running order, grouped by the
rubric they are scored on (a QC venue can mix 问题解决型 and 创新型), each rubric's criteria with their maxima and
scoring guidance, and blank boxes for the points. A filled sheet is typed into the paper-sheet import
(scoring.paper_sheets), whose template lists the same entries and judges.
"""

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from events.models import PanelMember
from portal import pdf
from scoring.assignment import venue_schedule
from scoring.recusals import recused_pairs

MARGIN = 10  # mm
ORDER_WIDTH, CODE_WIDTH, TITLE_WIDTH, TOTAL_WIDTH = 12, 26, 80, 20
ROW_HEIGHT = 14  # mm
# The fonts have no bold face: headings are shaded instead; Chinese has no spaces, so lines break anywhere.
HEADINGS = {"headings_style": FontFace(emphasis="", fill_color=(225, 225, 225)), "wrapmode": WrapMode.CHAR}


def panel_of(venue, judge_id: int | None = None) -> list[PanelMember]:
    """The venue's panel seats, the leader first, or the one of the judge `judge_id`; with the judges'
    organisations (for the recusals)."""
    seats = venue.panel.select_related("judge__membership__enterprise").order_by("-is_leader", "judge__full_name")
    if judge_id is not None:
        seats = seats.filter(judge_id=judge_id)
    return list(seats)


def score_sheets_pdf(*, venue, seats: list[PanelMember]) -> bytes:
    """The venue's printable score sheets for the judges of `seats`, each judge starting on a new page."""
    slots = venue_schedule(
        venue=venue,
        entries=list(
            venue.entries.select_related(
                "enterprise", "category__rubric", "category__innovation_rubric"
            ).prefetch_related("category__rubric__criteria", "category__innovation_rubric__criteria")
        ),
    )
    recused = recused_pairs((slot.entry, seat.judge) for slot in slots for seat in seats)
    groups: dict = {}  # rubric -> its slots, in running order; the rubrics in the order their first entry runs
    for slot in slots:
        groups.setdefault(slot.entry.rubric, []).append(slot)
    document = pdf.document(
        orientation="landscape", title=_("Score sheets · %(venue)s") % {"venue": venue.name}, author=venue.edition.name
    )
    document.set_margins(MARGIN, MARGIN, MARGIN)
    document.set_auto_page_break(auto=True, margin=MARGIN)
    if not seats:
        document.add_page()
        document.set_font(pdf.SANS, size=11)
        document.cell(0, 8, text=_("This venue has no panel yet."), new_x="LMARGIN", new_y="NEXT")
    for seat in seats:
        document.add_page()
        _heading(document, venue, seat)
        if not slots:
            document.set_font(pdf.SANS, size=11)
            document.cell(0, 8, text=_("No entry is heard in this venue yet."), new_x="LMARGIN", new_y="NEXT")
        for rubric, rubric_slots in groups.items():
            _rubric_block(document, rubric, rubric_slots, judge=seat.judge, recused=recused)
        _signature(document)
    return pdf.to_bytes(document)


def _heading(document, venue, seat) -> None:
    document.set_font(pdf.SERIF, size=16)
    title = _("%(edition)s · Score sheet") % {"edition": venue.edition.name}
    document.cell(0, 9, text=title, align="C", new_x="LMARGIN", new_y="NEXT")
    document.set_font(pdf.SANS, size=10.5)
    where = [_("Venue: %(venue)s") % {"venue": venue.name}]
    if venue.room:
        where.append(_("Room: %(room)s") % {"room": venue.room})
    if venue.date:
        where.append(_("Date: %(date)s") % {"date": date_format(venue.date, "Y-m-d")})
    judge = seat.judge.full_name or seat.judge.email
    role = _("panel leader") if seat.is_leader else _("judge")
    where.append(_("Judge: %(name)s (%(role)s)") % {"name": judge, "role": role})
    document.cell(0, 7, text="    ".join(where), new_x="LMARGIN", new_y="NEXT")
    document.ln(1)


def _rubric_block(document, rubric, slots, *, judge, recused) -> None:
    if rubric is None:
        document.set_font(pdf.SANS, size=10.5)
        codes = "、".join(slot.entry.code for slot in slots)
        document.multi_cell(0, 6, text=_("No rubric for: %(codes)s") % {"codes": codes}, new_x="LMARGIN", new_y="NEXT")
        return
    criteria = sorted(rubric.criteria.all(), key=lambda c: c.position)
    document.set_font(pdf.SANS, size=11)
    title = _("%(rubric)s (out of %(total)s points)") % {"rubric": rubric.name, "total": _points(rubric.total)}
    document.cell(0, 7, text=title, new_x="LMARGIN", new_y="NEXT")
    # The criteria with their maxima and guidance.
    document.set_font(pdf.SANS, size=8.5)
    with document.table(
        col_widths=(40, 14, document.epw - 54),
        text_align=("LEFT", "CENTER", "LEFT"),
        line_height=4.5,
        padding=1,
        **HEADINGS,
    ) as table:
        row = table.row()
        for text in (_("Criterion"), _("Maximum"), _("Scoring guidance")):
            row.cell(text)
        for criterion in criteria:
            row = table.row()
            row.cell(criterion.name)
            row.cell(_points(criterion.max_points))
            row.cell(criterion.description or "")
    document.ln(2)
    # The entries in running order, a blank box per criterion.
    share = (document.epw - ORDER_WIDTH - CODE_WIDTH - TITLE_WIDTH - TOTAL_WIDTH) / max(len(criteria), 1)
    widths = (ORDER_WIDTH, CODE_WIDTH, TITLE_WIDTH, *(share for _c in criteria), TOTAL_WIDTH)
    document.set_font(pdf.SANS, size=9)
    with document.table(col_widths=widths, text_align="CENTER", line_height=4.5, padding=1, **HEADINGS) as table:
        row = table.row()
        for text in (
            _("No."),
            _("Entry code"),
            _("Entry and enterprise"),
            *(f"{c.name}\n({_points(c.max_points)})" for c in criteria),
            "{}\n({})".format(_("Total"), _points(rubric.total)),
        ):
            row.cell(text)
        for slot in slots:
            entry = slot.entry
            row = table.row(min_height=ROW_HEIGHT)  # room to write the points by hand
            row.cell(str(slot.position))
            row.cell(entry.code)
            row.cell(f"{entry.title}\n{entry.enterprise.name}", align="LEFT")
            if (entry.pk, judge.pk) in recused:
                row.cell(_("Recused: not scored by this judge"), colspan=len(criteria) + 1)
            else:
                for _cell in range(len(criteria) + 1):
                    row.cell("")
    document.ln(3)


def _signature(document) -> None:
    document.set_font(pdf.SANS, size=9)
    document.multi_cell(
        0,
        5,
        text=_("Points from 0 to the criterion's maximum, at most one decimal place (e.g. 17.5)."),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    document.ln(4)
    document.set_font(pdf.SANS, size=11)
    document.cell(
        0,
        8,
        text=_("Judge's signature: %(line)s    Date: %(line)s") % {"line": "_" * 24},
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _points(value) -> str:
    """17.0 -> 17, 17.5 -> 17.5."""
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
