from django.urls import path

from events import association_views, views

app_name = "events"

urlpatterns = [
    path("", views.edition_list, name="edition_list"),
    path("new/", views.edition_create, name="edition_create"),
    path("todo/", views.todo, name="todo"),
    path("associations/", association_views.association_list, name="association_list"),
    path("associations/new/", association_views.association_create, name="association_create"),
    path("association/", association_views.my_association, name="my_association"),
    path("associations/<int:pk>/", association_views.association_team, name="association_team"),
    path("associations/<int:pk>/settings/", association_views.association_settings, name="association_settings"),
    path("associations/members/<int:pk>/", association_views.association_member, name="association_member"),
    path("<int:pk>/team/", views.team, name="team"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/edit/", views.edition_edit, name="edition_edit"),
    path("<int:pk>/status/", views.edition_status, name="edition_status"),
    path("<int:pk>/copy/", views.edition_copy, name="edition_copy"),
    path("<int:pk>/announcements/", views.announcement_list, name="announcements"),
    path("<int:pk>/rubrics/", views.rubric_list, name="rubric_list"),
    path("<int:pk>/rubrics/new/", views.rubric_create, name="rubric_create"),
    path("rubrics/<int:pk>/", views.rubric_edit, name="rubric_edit"),
    path("rubrics/<int:pk>/copy/", views.rubric_copy, name="rubric_copy"),
    path("rubrics/<int:pk>/delete/", views.rubric_delete, name="rubric_delete"),
    path("<int:pk>/categories/", views.category_list, name="category_list"),
    path("<int:pk>/categories/new/", views.category_create, name="category_create"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("<int:pk>/venues/", views.venue_list, name="venue_list"),
    path("<int:pk>/venues/new/", views.venue_create, name="venue_create"),
    path("venues/<int:pk>/", views.venue_edit, name="venue_edit"),
    path("venues/<int:pk>/delete/", views.venue_delete, name="venue_delete"),
    path("venues/<int:pk>/panel/", views.panel, name="panel"),
]
