"""Walk the URL configuration: every named pattern, with its namespace and whether it takes parameters."""

from django.urls import URLPattern, URLResolver, get_resolver

SKIPPED_PREFIXES = ("admin/", "i18n/")

# URL name -> the object (or value) of tests.scenarios.build_world behind each parameter.
ARGUMENTS = {
    "api:edition": {"pk": "published_edition"},
    "api:enterprise": {"pk": "enterprise"},
    "api:result": {"entry_id": "published_entry"},
    "events:announcements": {"pk": "edition"},
    "events:category_create": {"pk": "edition"},
    "events:category_delete": {"pk": "category"},
    "events:category_edit": {"pk": "category"},
    "events:category_list": {"pk": "edition"},
    "events:association_member": {"pk": "association_member"},
    "events:association_settings": {"pk": "association"},
    "events:association_team": {"pk": "association"},
    "events:dashboard": {"pk": "edition"},
    "events:team": {"pk": "edition"},
    "events:edition_copy": {"pk": "edition"},
    "events:edition_edit": {"pk": "edition"},
    "events:edition_status": {"pk": "edition"},
    "events:panel": {"pk": "venue"},
    "events:rubric_copy": {"pk": "rubric"},
    "events:rubric_create": {"pk": "edition"},
    "events:rubric_delete": {"pk": "rubric"},
    "events:rubric_edit": {"pk": "rubric"},
    "events:rubric_list": {"pk": "edition"},
    "events:venue_create": {"pk": "edition"},
    "events:venue_delete": {"pk": "venue"},
    "events:venue_edit": {"pk": "venue"},
    "events:venue_list": {"pk": "edition"},
    "results:audit": {"edition_pk": "edition"},
    "results:audit_export": {"edition_pk": "edition", "fmt": "export_format"},
    "results:plenary": {"edition_pk": "edition"},
    "portal:password_reset_confirm": {"uidb64": "uidb64", "token": "token"},
    "portal:accept_invitation": {"uidb64": "uidb64", "token": "token"},
    "public:award_list_csv": {"pk": "published_edition"},
    "public:award_list_xlsx": {"pk": "published_edition"},
    "public:award_list_pdf": {"pk": "published_edition"},
    "public:edition": {"pk": "published_edition"},
    "public:enterprise": {"pk": "enterprise"},
    "public:entry": {"entry_id": "published_entry"},
    "public:entry_report": {"entry_id": "published_entry"},
    "scoring:assign": {"category_pk": "category"},
    "scoring:autosave": {"sheet_pk": "sheet"},
    "scoring:autosave_entry": {"entry_pk": "entry"},
    "results:award_list_download": {"pk": "award_list"},
    "results:award_list_request": {"edition_pk": "edition"},
    "results:certificates": {"edition_pk": "edition"},
    "results:certificates_generate": {"edition_pk": "edition"},
    "results:certificate_archive_download": {"pk": "certificate_archive"},
    "results:certificate_download": {"pk": "certificate"},
    "public:verify": {"code": "certificate_code"},
    "public:help_guide": {"role": "guide_role"},
    "public:association": {"slug": "association_slug"},
    "public:association_logo": {"slug": "association_slug"},
    "public:association_results": {"slug": "association_slug"},
    "public:association_edition_list": {"slug": "association_slug"},
    "public:association_statistics": {"slug": "association_slug"},
    "public:association_award_list_csv": {"slug": "association_slug", "pk": "published_edition"},
    "public:association_award_list_xlsx": {"slug": "association_slug", "pk": "published_edition"},
    "public:association_award_list_pdf": {"slug": "association_slug", "pk": "published_edition"},
    "public:association_edition": {"slug": "association_slug", "pk": "published_edition"},
    "public:association_enterprise": {"slug": "association_slug", "pk": "enterprise"},
    "public:association_entry": {"slug": "association_slug", "entry_id": "published_entry"},
    "public:association_entry_report": {"slug": "association_slug", "entry_id": "published_entry"},
    "results:cancel_run": {"pk": "result_run"},
    "results:publication_document": {"pk": "publication"},
    "results:category": {"category_pk": "category"},
    "scoring:category_venues": {"category_pk": "category"},
    "scoring:declare_recusal": {"edition_pk": "edition"},
    "scoring:declare": {"edition_pk": "edition"},
    "scoring:declarations": {"edition_pk": "edition"},
    "scoring:draw": {"venue_pk": "venue"},
    "scoring:import_sheets": {"edition_pk": "edition"},
    "scoring:paper_sheet_template": {"edition_pk": "edition"},
    "scoring:score_sheets": {"venue_pk": "venue"},
    "scoring:judge_score_sheets": {"venue_pk": "venue", "judge_pk": "panel_judge"},
    "scoring:lift_recusal": {"recusal_pk": "recusal"},
    "scoring:move": {"entry_pk": "entry"},
    "scoring:panel": {"venue_pk": "venue"},
    "scoring:recusals": {"edition_pk": "edition"},
    "scoring:recuse": {"entry_pk": "entry"},
    "scoring:reopen_sheet": {"sheet_pk": "sheet"},
    "scoring:reopen_venue": {"venue_pk": "venue"},
    "results:compute": {"edition_pk": "edition"},
    "results:dashboard": {"edition_pk": "edition"},
    "results:publish": {"edition_pk": "edition"},
    "results:status": {"edition_pk": "edition"},
    "scoring:schedule": {"venue_pk": "venue"},
    "scoring:score_entry": {"venue_pk": "venue", "entry_pk": "entry"},
    "scoring:sheet_detail": {"sheet_pk": "sheet"},
    "scoring:sign_off": {"venue_pk": "venue"},
    "scoring:sync_recusals": {"edition_pk": "edition"},
    "scoring:venue_audit": {"venue_pk": "venue"},
    "results:venue": {"venue_pk": "venue"},
    "scoring:workspace": {"venue_pk": "venue"},
    "submissions:enterprise_review": {"pk": "pending_enterprise"},
    "submissions:enterprise_people": {"pk": "pending_enterprise"},
    "submissions:enterprise_extend": {"pk": "pending_enterprise"},
    "submissions:entry_create": {"category_pk": "category"},
    "submissions:entry_delete": {"pk": "entry"},
    "submissions:entry_detail": {"pk": "entry"},
    "submissions:entry_edit": {"pk": "entry"},
    "submissions:entry_submit": {"pk": "entry"},
    "submissions:entry_withdraw": {"pk": "entry"},
    "submissions:file_download": {"pk": "report"},
    "submissions:file_remove": {"pk": "entry"},
    "submissions:file_upload": {"pk": "entry"},
    "submissions:invitation_accept": {"token": "invitation_token"},
    "submissions:join_request_decide": {"pk": "join_request"},
    "submissions:member_remove": {"pk": "colleague_membership"},
    "submissions:member_role": {"pk": "colleague_membership"},
    "submissions:recommendation_decide": {"pk": "recommendation"},
    "submissions:review_entry": {"pk": "entry"},
    "submissions:review_reopen": {"pk": "entry"},
    "submissions:review_start": {"pk": "entry"},
    "submissions:signup_confirm": {"uidb64": "signup_uidb64", "token": "signup_token"},
}


def _parameters(pattern) -> set[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters is not None:
        return set(converters)
    return set(pattern.pattern.regex.groupindex)


def named_patterns(resolver=None, namespace="", prefix="", inherited=frozenset()):
    """Yield (name, route, parameters) for every named URL pattern outside admin/ and i18n/."""
    resolver = resolver or get_resolver("portal.urls")
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        parameters = set(inherited) | _parameters(pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_patterns(pattern, inner, route, frozenset(parameters))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", route, parameters


def patterns_with_ids() -> dict[str, set[str]]:
    """Named patterns whose route takes at least one parameter (an object id, a token...)."""
    return {name: parameters for name, _route, parameters in named_patterns() if parameters}
