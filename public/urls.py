from django.urls import path

from public import help, views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("results/", views.results, name="results"),
    path("results/entries/<int:entry_id>/", views.entry_detail, name="entry"),
    path("results/entries/<int:entry_id>/report/", views.entry_report, name="entry_report"),
    path("results/enterprises/<int:pk>/", views.enterprise_detail, name="enterprise"),
    path("results/editions/", views.edition_list, name="edition_list"),
    path("results/editions/<int:pk>/", views.edition_detail, name="edition"),
    path("results/editions/<int:pk>/awards.csv", views.award_list_csv, name="award_list_csv"),
    path("results/editions/<int:pk>/awards.xlsx", views.award_list_xlsx, name="award_list_xlsx"),
    path("results/editions/<int:pk>/awards.pdf", views.award_list_pdf, name="award_list_pdf"),
    path("results/statistics/", views.statistics, name="statistics"),
    path("help/", help.index, name="help"),
    path("help/api/", help.api, name="help_api"),
    path("help/judge/quick-guide.pdf", help.judge_quick_guide_pdf, name="judge_quick_guide_pdf"),
    path("help/<slug:role>/", help.guide, name="help_guide"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
