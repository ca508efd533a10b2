from django.urls import path

from scoring import people_views, venue_views, views

app_name = "scoring"

urlpatterns: list = [
    # judging (judges and panel leaders)
    path("judging/", views.judge_home, name="judge_home"),
    path("judging/today/", views.judge_today, name="judge_today"),
    path("judging/editions/<int:edition_pk>/declaration/", people_views.declare, name="declare"),
    path("judging/venues/<int:venue_pk>/", views.workspace, name="workspace"),
    path("judging/venues/<int:venue_pk>/entries/<int:entry_pk>/", views.score_entry, name="score_entry"),
    path("judging/sheets/<int:sheet_pk>/autosave/", views.autosave, name="autosave"),
    path("judging/entries/<int:entry_pk>/autosave/", views.autosave_entry, name="autosave_entry"),
    path("judging/entries/<int:entry_pk>/recuse/", views.recuse, name="recuse"),
    path("judging/venues/<int:venue_pk>/panel/", views.panel, name="panel"),
    path("judging/venues/<int:venue_pk>/sign-off/", views.sign_off, name="sign_off"),
    path("judging/sheets/<int:sheet_pk>/", views.sheet_detail, name="sheet_detail"),
    path("judging/sheets/<int:sheet_pk>/reopen/", views.reopen_sheet, name="reopen_sheet"),
    # organisers: venues, draw, recusals, paper sheets, audit, live board
    path("venues/categories/<int:category_pk>/", venue_views.category_venues, name="category_venues"),
    path("venues/categories/<int:category_pk>/assign/", venue_views.assign, name="assign"),
    path("venues/entries/<int:entry_pk>/move/", venue_views.move, name="move"),
    path("venues/<int:venue_pk>/draw/", venue_views.draw, name="draw"),
    path("venues/<int:venue_pk>/schedule/", venue_views.schedule, name="schedule"),
    path("venues/<int:venue_pk>/score-sheets.pdf", venue_views.score_sheets, name="score_sheets"),
    path("venues/<int:venue_pk>/score-sheets/<int:judge_pk>.pdf", venue_views.score_sheets, name="judge_score_sheets"),
    path("venues/<int:venue_pk>/audit/", venue_views.venue_audit, name="venue_audit"),
    path("venues/<int:venue_pk>/reopen/", venue_views.reopen_venue, name="reopen_venue"),
    path("editions/<int:edition_pk>/recusals/", venue_views.recusal_list, name="recusals"),
    path("recusals/<int:recusal_pk>/lift/", venue_views.lift, name="lift_recusal"),
    path("editions/<int:edition_pk>/recusals/sync/", venue_views.sync_recusals, name="sync_recusals"),
    path("editions/<int:edition_pk>/recusals/declare/", venue_views.declare_recusal, name="declare_recusal"),
    path("editions/<int:edition_pk>/paper-sheets/", venue_views.import_sheets, name="import_sheets"),
    path(
        "editions/<int:edition_pk>/paper-sheets/template.xlsx",
        venue_views.paper_sheet_template,
        name="paper_sheet_template",
    ),
    path("board/", venue_views.live_board, name="live_board"),
    # organisers: judges, invitations, declarations
    path("judges/", people_views.judges, name="judges"),
    path("judges/invite/", people_views.invite, name="invite_judges"),
    path("judges/import/", people_views.import_judges, name="import_judges"),
    path("judges/template.xlsx", people_views.judge_template, name="judge_template"),
    path("editions/<int:edition_pk>/declarations/", people_views.declarations, name="declarations"),
    path("board/data/", venue_views.live_board_data, name="live_board_data"),
]
