from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("events/", include("events.urls")),
    path("entries/", include("submissions.urls")),
    path("scoring/", include("scoring.urls")),
    path("results/", include("scoring.public_urls")),
    path("api/v1/", include("scoring.api_urls")),
    path("", include("portal.site_urls")),
]
