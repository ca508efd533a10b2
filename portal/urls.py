from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("events/", include("events.urls")),
    path("entries/", include("submissions.urls")),
    path("scoring/", include("scoring.urls")),
    path("scoring/", include("results.urls")),
    path("api/v1/", include("public.api_urls")),
    path("", include("public.urls")),
    path("", include("portal.site_urls")),
]
