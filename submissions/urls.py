from django.urls import path

from submissions import views

app_name = "submissions"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/review/", views.enterprise_review, name="enterprise_review"),
]
