from django.urls import path

from results import audit_views, plenary_views, views

app_name = "results"

# Provisional results, runs, publication, award lists and the audit trail: the organisers' side of the results.
urlpatterns = [
    path("results/", views.results_home, name="home"),
    path("results/editions/<int:edition_pk>/", views.dashboard, name="dashboard"),
    path("results/editions/<int:edition_pk>/status/", views.status, name="status"),
    path("results/editions/<int:edition_pk>/compute/", views.compute, name="compute"),
    path("results/editions/<int:edition_pk>/publish/", views.publish, name="publish"),
    path("results/runs/<int:pk>/cancel/", views.cancel_run, name="cancel_run"),
    path("results/publications/<int:pk>/document/", views.publication_document, name="publication_document"),
    path("results/editions/<int:edition_pk>/award-lists/", views.request_award_list, name="award_list_request"),
    path("results/award-lists/<int:pk>/download/", views.award_list_download, name="award_list_download"),
    path("results/editions/<int:edition_pk>/certificates/", views.certificate_template, name="certificates"),
    path(
        "results/editions/<int:edition_pk>/certificates/generate/",
        views.certificates_generate,
        name="certificates_generate",
    ),
    path(
        "results/certificate-archives/<int:pk>/download/",
        views.certificate_archive_download,
        name="certificate_archive_download",
    ),
    path("results/certificates/<int:pk>/download/", views.certificate_download, name="certificate_download"),
    path("results/categories/<int:category_pk>/", views.category_results, name="category"),
    path("results/venues/<int:venue_pk>/", views.venue_results, name="venue"),
    path("results/editions/<int:edition_pk>/plenary/", plenary_views.choose, name="plenary"),
    path("editions/<int:edition_pk>/audit/", audit_views.edition_audit, name="audit"),
    path("editions/<int:edition_pk>/audit/export.<str:fmt>", audit_views.edition_audit_export, name="audit_export"),
]
