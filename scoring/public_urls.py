from django.urls import path

from scoring import public_views as views

app_name = "public"

urlpatterns = [
    path("", views.results, name="results"),
    path("entries/<int:entry_id>/", views.entry_detail, name="entry"),
    path("entries/<int:entry_id>/report/", views.entry_report, name="entry_report"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise"),
    path("editions/", views.edition_list, name="edition_list"),
    path("editions/<int:pk>/", views.edition_detail, name="edition"),
    path("editions/<int:pk>/awards.csv", views.award_list_csv, name="award_list_csv"),
    path("editions/<int:pk>/awards.xlsx", views.award_list_xlsx, name="award_list_xlsx"),
    path("statistics/", views.statistics, name="statistics"),
]
