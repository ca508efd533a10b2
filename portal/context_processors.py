from django.urls import NoReverseMatch, reverse
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
    return {"nav_links": _links(items)}
