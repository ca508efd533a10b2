from django.urls import path

from public import api

app_name = "api"

urlpatterns = [
    path("", api.index, name="index"),
    path("openapi.json", api.openapi_description, name="openapi"),
    path("associations/", api.associations, name="associations"),
    path("editions/", api.editions, name="editions"),
    path("editions/<int:pk>/", api.edition, name="edition"),
    path("results/", api.results, name="results"),
    path("results/<int:entry_id>/", api.result, name="result"),
    path("enterprises/<int:pk>/", api.enterprise, name="enterprise"),
]
