from django.urls import include, path

from public import help, views

app_name = "public"

# The pages of the results: at the top level they are the portal-wide pages (every association; the search only the
# searchable ones), under /a/<slug>/ one association's (named association_<name>, public.links.public_url).
SCOPED = [
    ("results/", views.results, "results"),
    ("results/entries/<int:entry_id>/", views.entry_detail, "entry"),
    ("results/entries/<int:entry_id>/report/", views.entry_report, "entry_report"),
    ("results/enterprises/<int:pk>/", views.enterprise_detail, "enterprise"),
    ("results/editions/", views.edition_list, "edition_list"),
    ("results/editions/<int:pk>/", views.edition_detail, "edition"),
    ("results/editions/<int:pk>/awards.csv", views.award_list_csv, "award_list_csv"),
    ("results/editions/<int:pk>/awards.xlsx", views.award_list_xlsx, "award_list_xlsx"),
    ("results/editions/<int:pk>/awards.pdf", views.award_list_pdf, "award_list_pdf"),
    ("results/statistics/", views.statistics, "statistics"),
]

association_patterns = [
    path("", views.association_home, name="association"),
    path("logo/", views.association_logo, name="association_logo"),
    *(path(route, view, name=f"association_{name}") for route, view, name in SCOPED),
]

urlpatterns = [
    path("", views.home, name="home"),
    *(path(route, view, name=name) for route, view, name in SCOPED),
    path("a/<slug:slug>/", include(association_patterns)),
    path("help/", help.index, name="help"),
    path("help/api/", help.api, name="help_api"),
    path("help/judge/quick-guide.pdf", help.judge_quick_guide_pdf, name="judge_quick_guide_pdf"),
    path("help/<slug:role>/", help.guide, name="help_guide"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
