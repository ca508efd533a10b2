"""The portal's URLs and one bare view: the baseline of the load benchmark (same server, same middleware)."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe


@require_safe
def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("", include("portal.urls"))]
