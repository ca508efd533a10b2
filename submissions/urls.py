from django.urls import path

from submissions import people_views, unit_views, views

app_name = "submissions"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/<uidb64>/<token>/", views.signup_confirm, name="signup_confirm"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/review/", views.enterprise_review, name="enterprise_review"),
    # the enterprise's users (submissions/people_views.py)
    path("people/", people_views.people_list, name="people"),
    path("people/leave/", people_views.leave, name="people_leave"),
    path("people/<int:pk>/role/", people_views.member_role, name="member_role"),
    path("people/<int:pk>/remove/", people_views.member_remove, name="member_remove"),
    path("join-requests/<int:pk>/decide/", people_views.join_request_decide, name="join_request_decide"),
    path("enterprises/<int:pk>/people/", people_views.enterprise_people, name="enterprise_people"),
    path("invitations/<str:token>/", people_views.invitation_accept, name="invitation_accept"),
    path("enterprises/<int:pk>/extend/", views.enterprise_extend, name="enterprise_extend"),
    # the enterprise's side
    path("mine/", views.dashboard, name="dashboard"),
    path("mine/export/", views.enterprise_export, name="enterprise_export"),
    path("new/<int:category_pk>/", views.entry_create, name="entry_create"),
    path("<int:pk>/", views.entry_detail, name="entry_detail"),
    path("<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("<int:pk>/files/", views.file_upload, name="file_upload"),
    path("<int:pk>/files/remove/", views.file_remove, name="file_remove"),
    path("<int:pk>/submit/", views.entry_submit, name="entry_submit"),
    path("<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("<int:pk>/withdraw/", views.entry_withdraw, name="entry_withdraw"),
    path("files/<int:pk>/", views.file_download, name="file_download"),
    # the organiser's format review
    path("review/", views.review_list, name="review_list"),
    path("review/export/", views.review_export, name="review_export"),
    path("review/accept/", views.review_bulk_accept, name="review_bulk_accept"),
    path("review/<int:pk>/", views.review_entry, name="review_entry"),
    path("review/<int:pk>/start/", views.review_start, name="review_start"),
    path("review/<int:pk>/reopen/", views.review_reopen, name="review_reopen"),
    # recommendation lists
    path("recommendations/", views.recommendation_upload, name="recommendation_upload"),
    path("units/", unit_views.unit_list, name="units"),
    path("units/invite/", unit_views.unit_invite, name="unit_invite"),
    path("units/import/", unit_views.unit_import, name="unit_import"),
    path("units/template.xlsx", unit_views.unit_template, name="unit_template"),
    path("recommendations/template/", views.recommendation_template, name="recommendation_template"),
    path("recommendations/<int:pk>/decide/", views.recommendation_decide, name="recommendation_decide"),
]
