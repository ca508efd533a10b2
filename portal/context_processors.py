from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Each role's entry points in the navigation: (url name, label). Views check permission themselves;
# this only decides which links a person is shown.
NAVIGATION = {
    "organiser": [
        ("events:todo", _("To do")),
        ("events:edition_list", _("Editions")),
        ("submissions:review_list", _("Entries")),
        ("submissions:enterprise_list", _("Enterprises")),
        ("scoring:judges", _("Judges")),
        ("submissions:units", _("Recommending units")),
        ("events:my_association", _("Association")),
        ("scoring:live_board", _("Live board")),
        ("results:home", _("Provisional results")),
    ],
    "enterprise": [("submissions:dashboard", _("My entries")), ("submissions:people", _("Our users"))],
    "recommender": [("submissions:recommendation_upload", _("Recommendation lists"))],
    "judge": [("scoring:judge_home", _("My venues")), ("results:home", _("Provisional results"))],
}
# The platform administrator's (a superuser's) own page, in place of an organiser's one association: every
# association on the installation.
PLATFORM = [("events:association_list", _("All associations"))]
PUBLIC = [("public:results", _("Results")), ("public:statistics", _("Statistics"))]


def _links(items):
    links = []
    for name, label in items:
        try:
            links.append({"url": reverse(name), "label": label, "name": name})
        except NoReverseMatch:
            # A page that is not built yet simply has no link.
            continue
    return links


def navigation(request):
    user = getattr(request, "user", None)
    items = list(PUBLIC)
    if user is not None and user.is_authenticated:
        role = "organiser" if user.is_organiser else user.role
        own = NAVIGATION.get(role, [])
        if user.is_superuser:
            own = [item for item in own if item[0] != "events:my_association"] + PLATFORM
        items = own + items
    links = _links(items)
    return {"nav_links": links, "nav_expand": navigation_breakpoint(links, user)}


# Bootstrap's breakpoints from which a navbar-expand-* bar lies in one line, widest last; past the widest the bar
# stays behind the menu button.
BREAKPOINTS = (("lg", 992), ("xl", 1200), ("xxl", 1400))
# The language button and the container's padding, in pixels.
BAR_FIXED = 80 + 24
NAME_MAX = 128  # the person's name is cut at 8em (portal.css .nav-user)


def _label_width(text: str) -> float:
    """A label's width in pixels: a CJK character is a square of the font size, a Latin one about half of it."""
    return sum(16 if ord(char) >= 0x2E80 else 8.6 for char in str(text)) + 2 * 6.4


def _bar_extras(user) -> float:
    """What the bar holds besides the role's links: the brand (at 1.25 times the font), the person's name, log out,
    help and the language button."""
    extras = BAR_FIXED + 1.25 * _label_width(gettext("QC Exchange Portal")) + _label_width(gettext("Help"))
    if user is not None and user.is_authenticated:
        extras += min(_label_width(user.get_short_name()), NAME_MAX) + _label_width(gettext("Log out"))
    else:
        extras += _label_width(gettext("Log in")) + _label_width(gettext("Register an enterprise"))
    return extras


def navigation_breakpoint(links, user=None) -> str:
    """From which screen width the navigation lies in one line (Bootstrap's navbar-expand-*); below it, behind the
    menu button. The more and longer a role's labels, in the language of the page, the wider the screen they need
    without breaking a label over two lines or pushing the page sideways (the demo measured in Chromium: an
    organiser's eleven Chinese links fit from 1200 px; in English they need 1600)."""
    needed = _bar_extras(user) + sum(_label_width(link["label"]) for link in links)
    for name, width in BREAKPOINTS:
        if needed <= width:
            return name
    return "none"
