"""Domain functions for enterprises, recommending units and entries."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events import audit, hooks
from events.models import Category, Edition
from portal.mail import queue_email
from submissions import files, memberships
from submissions.models import (
    DeadlineExtension,
    DeletedDraft,
    Enterprise,
    Entry,
    EntryFile,
    EntryTransition,
    JoinRequest,
    Member,
    PeopleEvent,
    Recommendation,
    RecommendingUnit,
)

User = get_user_model()

# What each kind of file may be, checked from its content.
ALLOWED_TYPES = {
    EntryFile.Kind.REPORT: (files.PDF,),
    EntryFile.Kind.SLIDES: (files.PDF, files.PPTX),
    EntryFile.Kind.REPORT_FORM: (files.PDF,),
    EntryFile.Kind.VIDEO: (files.MP4,),
}

# The organiser's format-review outcomes (形式审查): decision -> new status.
DECISIONS = {
    "accept": Entry.Status.ACCEPTED,
    "return": Entry.Status.RETURNED,
    "reject": Entry.Status.REJECTED,
    "defer": Entry.Status.DEFERRED,
}
REVIEWABLE = (Entry.Status.SUBMITTED, Entry.Status.UNDER_REVIEW)


# --- enterprises ---------------------------------------------------------------------------------


class SignupTokenGenerator(PasswordResetTokenGenerator):
    """The token of the link that activates a new sign-up's account: its own salt, so it is no password-reset
    token, and the account's activity in the hash, so it works until the account is active (and once only)."""

    key_salt = "submissions.services.SignupTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


signup_tokens = SignupTokenGenerator()


def _organisers_to_tell(enterprise: Enterprise | None = None) -> list[str]:
    """Who hears of a sign-up: the organisers of the editions the enterprise registered for, else every organiser."""
    organisers = User.objects.filter(role=User.Role.ORGANISER, is_active=True)
    if enterprise is not None and enterprise.pk:
        scoped = organisers.filter(organised_editions__in=enterprise.editions.all()).distinct()
        if scoped.exists():
            organisers = scoped
    return list(organisers.values_list("email", flat=True))


def register_enterprise(
    *, enterprise_data: dict, full_name: str, email: str, password: str, phone: str = "", editions=()
) -> str:
    """A sign-up, answered the same whatever exists already (the caller says "check your mailbox" every time):

    - a new e-mail and credit code: a pending enterprise and its first user, inactive until the link e-mailed to
      them is opened; the organisers are told (the organiser approves the enterprise before it can submit);
    - an e-mail an account already uses: nothing is created; the account's owner is told that someone tried to
      sign up with it (with the way to reset the password);
    - a credit code an enterprise already uses: no account and no enterprise are created, but a join request
      (submissions.JoinRequest) for that enterprise; its administrators and the organisers are told and approve or
      decline it (submissions.people); the person is told, in words that do not name the enterprise, that the
      request is passed on.

    Returns what happened ("created", "email_taken", "email_unconfirmed", "code_taken"), for tests and logs only."""
    taken = User.objects.filter(email__iexact=email).exists()
    existing = None if taken else Enterprise.objects.filter(credit_code=enterprise_data["credit_code"]).first()
    if taken or existing is not None:
        hashed = make_password(password)  # the slow hash a new account costs, so the answer takes as long either way
        if taken:
            return _email_taken(email)
        return _code_taken(
            existing, enterprise_data=enterprise_data, full_name=full_name, email=email, phone=phone, password=hashed
        )
    try:
        with transaction.atomic():
            enterprise = Enterprise.objects.create(**enterprise_data)
            enterprise.editions.set(editions)
            user = memberships.create_user(
                email=email,
                password=password,
                full_name=full_name,
                phone=phone,
                role=User.Role.ENTERPRISE,
                enterprise=enterprise,
                is_administrator=True,
                is_active=False,
            )
    except IntegrityError:  # the same e-mail or credit code signed up at the same moment
        if User.objects.filter(email__iexact=email).exists():
            return _email_taken(email)
        existing = Enterprise.objects.get(credit_code=enterprise_data["credit_code"])
        return _code_taken(
            existing,
            enterprise_data=enterprise_data,
            full_name=full_name,
            email=email,
            phone=phone,
            password=make_password(password),
        )
    _send_confirmation(user, enterprise)
    queue_email(
        to=_organisers_to_tell(enterprise),
        template="submissions/email/enterprise_registered",
        context={"enterprise": enterprise},
    )
    return "created"


def _send_confirmation(user, enterprise) -> None:
    queue_email(
        to=[user.email],
        template="submissions/email/signup_confirm",
        context={
            "enterprise": enterprise,
            "site_url": settings.SITE_URL,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": signup_tokens.make_token(user),
        },
    )


def _email_taken(email: str) -> str:
    owner = User.objects.filter(email__iexact=email).first()
    enterprise = memberships.enterprise_of(owner)
    if owner is not None and not owner.is_active and owner.last_login is None and enterprise is not None:
        # A sign-up whose link was never opened: the same person signing up again gets the link again.
        _send_confirmation(owner, enterprise)
        return "email_unconfirmed"
    queue_email(
        to=[owner.email] if owner else [],
        template="submissions/email/signup_email_taken",
        context={"site_url": settings.SITE_URL},
    )
    return "email_taken"


def _code_taken(
    existing: Enterprise, *, enterprise_data: dict, full_name: str, email: str, phone: str, password: str
) -> str:
    """A join request for the enterprise that has the credit code (a second sign-up of the same e-mail while one is
    pending replaces its details), told to its administrators and the organisers."""
    with transaction.atomic():
        request, _created = JoinRequest.objects.update_or_create(
            enterprise=existing,
            email=email,
            status=JoinRequest.Status.PENDING,
            defaults={"full_name": full_name, "phone": phone, "password": password},
        )
        PeopleEvent.objects.create(enterprise=existing, action=PeopleEvent.Action.JOIN_REQUESTED, email=email)
    context = {
        "existing": existing,
        "request": request,
        "name": enterprise_data.get("name", ""),
        "credit_code": enterprise_data["credit_code"],
        "full_name": full_name,
        "email": email,
        "phone": phone,
        "site_url": settings.SITE_URL,
    }
    queue_email(to=[email], template="submissions/email/signup_code_taken", context=context)
    queue_email(
        to=administrator_emails(existing) + _organisers_to_tell(existing),
        template="submissions/email/join_requested",
        context=context,
    )
    return "code_taken"


def user_to_activate(uidb64: str, token: str):
    """The inactive sign-up user the link names, if its token is right; None otherwise."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()), is_active=False)
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        return None
    return user if signup_tokens.check_token(user, token) else None


def activate_account(*, user) -> None:
    """The sign-up's e-mail address is confirmed: the account can log in."""
    user.is_active = True
    user.save(update_fields=["is_active"])


@transaction.atomic
def review_enterprise(*, enterprise: Enterprise, by, approve: bool, note: str = "") -> Enterprise:
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if not approve and not note.strip():
        raise ValidationError(_("Please give the reason for rejecting the enterprise."))
    enterprise.status = Enterprise.Status.APPROVED if approve else Enterprise.Status.REJECTED
    enterprise.reviewed_by = by
    enterprise.reviewed_at = timezone.now()
    enterprise.review_note = note.strip()
    enterprise.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    queue_email(
        to=enterprise_emails(enterprise),
        template="submissions/email/enterprise_reviewed",
        context={"enterprise": enterprise},
    )
    return enterprise


def administrator_emails(enterprise) -> list[str]:
    """The addresses of the enterprise's active administrators."""
    return list(
        User.objects.filter(
            membership__enterprise=enterprise, membership__is_administrator=True, is_active=True
        ).values_list("email", flat=True)
    )


def enterprise_emails(enterprise) -> list[str]:
    return emails_by_enterprise([enterprise.pk]).get(enterprise.pk, [])


def emails_by_enterprise(enterprise_ids) -> dict[int, list[str]]:
    """The addresses of the active users of each enterprise, by enterprise id, in one query."""
    found: dict[int, list[str]] = {}
    rows = User.objects.filter(
        membership__enterprise_id__in=list(enterprise_ids), role=User.Role.ENTERPRISE, is_active=True
    ).values_list("membership__enterprise_id", "email")
    for enterprise_id, email in rows.order_by("pk"):
        found.setdefault(enterprise_id, []).append(email)
    return found


# --- deadlines and quotas ------------------------------------------------------------------------


def deadline_for(edition: Edition, enterprise: Enterprise | None = None):
    """The submission deadline that applies to the enterprise in the edition: the later of the edition's and an
    extension an organiser gave the enterprise (None: no deadline). THE deadline rule: every check of "may entries
    still be submitted or changed" goes through here (accepts_entries, closed_message)."""
    deadline = edition.submission_deadline
    if deadline is None or enterprise is None or enterprise.pk is None:
        return deadline
    extended = (
        DeadlineExtension.objects.filter(edition_id=edition.pk, enterprise_id=enterprise.pk)
        .values_list("until", flat=True)
        .first()
    )
    return max(deadline, extended) if extended else deadline


def accepts_entries(edition: Edition, *, enterprise: Enterprise | None = None, now=None) -> bool:
    """Whether the enterprise (any enterprise, when None: the edition's own deadline) may create, change, submit
    and withdraw entries of this edition right now."""
    now = now or timezone.now()
    if edition.status != Edition.Status.OPEN:
        return False
    if edition.submissions_open_at and now < edition.submissions_open_at:
        return False
    deadline = deadline_for(edition, enterprise)
    return not (deadline and now >= deadline)


def editions_accepting(*, now=None):
    """The open editions whose own deadline has not passed, as a queryset: where a recommending unit may upload its
    list (already before submissions open, so enterprises find the drafts on the first day). A list is for many
    enterprises, so one enterprise's extension does not keep it open."""
    now = now or timezone.now()
    return Edition.objects.filter(status=Edition.Status.OPEN).filter(
        Q(submission_deadline__isnull=True) | Q(submission_deadline__gt=now)
    )


def closed_message(edition: Edition, enterprise: Enterprise | None = None) -> str:
    now = timezone.now()
    deadline = deadline_for(edition, enterprise)
    if deadline and now >= deadline:
        return _("The submission deadline (%(deadline)s) has passed: entries of this edition can only be viewed.") % {
            "deadline": formats.date_format(timezone.localtime(deadline), "DATETIME_FORMAT")
        }
    return _("This edition does not accept entries at the moment.")


def _ensure_open(edition: Edition, enterprise: Enterprise | None = None) -> None:
    if not accepts_entries(edition, enterprise=enterprise):
        raise ValidationError(closed_message(edition, enterprise))


def _organiser_emails(edition: Edition) -> list[str]:
    return list(edition.organisers.filter(is_active=True).values_list("email", flat=True))


@transaction.atomic
def extend_deadline(*, edition: Edition, enterprise: Enterprise, until, reason: str, by) -> DeadlineExtension:
    """An organiser of the edition gives one enterprise until `until` to submit and change its entries (a later
    extension replaces an earlier one). Audited; the enterprise's users are told by e-mail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for extending the deadline."))
    if edition.submission_deadline is None:
        raise ValidationError(_("This edition has no submission deadline to extend."))
    if until <= edition.submission_deadline:
        raise ValidationError(_("The extension must end after the edition's submission deadline."))
    if edition.status != Edition.Status.OPEN:
        raise ValidationError(_("Only the deadline of an edition open for entries can be extended."))
    previous = DeadlineExtension.objects.select_for_update().filter(edition=edition, enterprise=enterprise).first()
    extension = previous or DeadlineExtension(edition=edition, enterprise=enterprise)
    old = {"until": previous.until.isoformat()} if previous else {"until": edition.submission_deadline.isoformat()}
    extension.until, extension.reason, extension.by = until, reason, by
    extension.save()
    audit.record(
        edition=edition,
        user=by,
        action=audit.Action.DEADLINE_EXTENDED,
        target=enterprise.name,
        old=old,
        new={"until": until.isoformat(), "enterprise": enterprise.pk},
        reason=reason,
    )
    queue_email(
        to=enterprise_emails(enterprise),
        template="submissions/email/deadline_extended",
        context={"edition": edition, "enterprise": enterprise, "extension": extension, "site_url": settings.SITE_URL},
        signed_by=edition.association.name,
    )
    return extension


def _ensure_approved(enterprise: Enterprise) -> None:
    if not enterprise.is_approved:
        raise ValidationError(
            _("Your enterprise is not approved yet; it can submit entries once the organiser approves it.")
        )


def quotas_left(*, categories, enterprise: Enterprise) -> dict[int, int | None]:
    """How many more entries the enterprise may create in each category, by category id (None: no limit).
    One query for all the categories that have a quota."""
    limited = [category.pk for category in categories if category.quota_per_enterprise is not None]
    used = {}
    if limited:
        used = dict(
            Entry.objects.filter(category__in=limited, enterprise=enterprise)
            .counting_for_quota()
            .values_list("category")
            .annotate(n=Count("id"))
            .order_by()
        )
    return {
        category.pk: None
        if category.quota_per_enterprise is None
        else max(category.quota_per_enterprise - used.get(category.pk, 0), 0)
        for category in categories
    }


def quota_left(*, category: Category, enterprise: Enterprise) -> int | None:
    """How many more entries the enterprise may create in the category (None: no limit)."""
    return quotas_left(categories=[category], enterprise=enterprise)[category.pk]


def quota_message(category: Category) -> str:
    return ngettext(
        "Your enterprise already has %(count)s entry in %(category)s, the most allowed.",
        "Your enterprise already has %(count)s entries in %(category)s, the most allowed.",
        category.quota_per_enterprise,
    ) % {"count": category.quota_per_enterprise, "category": category.name}


def _ensure_title_free(*, edition, enterprise, title: str, exclude_pk=None) -> None:
    clash = Entry.objects.filter(edition=edition, enterprise=enterprise, title=title)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(_("Your enterprise already has an entry with this title in this edition."))


# --- entries -------------------------------------------------------------------------------------

# The fields an enterprise fills in for each kind of entry (DOMAIN.md section 3), in the form's order.
ENTRY_FIELDS_BY_KIND = {
    Category.Kind.QC: [
        "title",
        "group_name",
        "topic_type",
        "sub_type",
        "registration_number",
        "completing_units",
        "speciality",
        "activity_start",
        "activity_end",
        "presenter",
        "recommending_unit",
        "summary",
        "publish_report",
    ],
    Category.Kind.TRUSTED_TEAM: [
        "title",
        "group_name",
        "workshop",
        "team_leader",
        "completing_units",
        "presenter",
        "recommending_unit",
        "summary",
        "publish_report",
    ],
    Category.Kind.BRAND_STORY: ["title", "presenter", "recommending_unit", "summary", "publish_report"],
    Category.Kind.OTHER: ["title", "group_name", "presenter", "completing_units", "recommending_unit", "summary"],
}
ENTRY_FIELDS = sorted({field for fields in ENTRY_FIELDS_BY_KIND.values() for field in fields})

# The kinds of entry that list their members (a group or a team, with its leader).
KINDS_WITH_MEMBERS = (Category.Kind.QC, Category.Kind.TRUSTED_TEAM, Category.Kind.OTHER)


def entry_fields(kind: str) -> list[str]:
    """The fields of an entry of this kind of category (an unknown kind has the fields of OTHER)."""
    return ENTRY_FIELDS_BY_KIND.get(kind, ENTRY_FIELDS_BY_KIND[Category.Kind.OTHER])


def _record(entry: Entry, *, to_status: str, by, reason: str = "") -> EntryTransition:
    transition = EntryTransition.objects.create(
        entry=entry, from_status=entry.status if entry.pk else "", to_status=to_status, by=by, reason=reason
    )
    entry.status = to_status
    return transition


def _set_members(entry: Entry, members: list[dict]) -> None:
    entry.members.all().delete()
    Member.objects.bulk_create(
        Member(
            entry=entry,
            position=position,
            name=member["name"].strip(),
            group_role=(member.get("group_role") or "").strip(),
            post=(member.get("post") or "").strip(),
            is_leader=bool(member.get("is_leader")),
        )
        for position, member in enumerate(members, start=1)
    )


def leader_error(leader_flags) -> str:
    """The group-leader rule (组长): a list of members marks exactly one of them as the leader; an empty list
    breaks no rule here (missing_items asks for the members). Takes each member's is_leader; returns why the
    list breaks the rule, or ""."""
    flags = list(leader_flags)
    leaders = sum(1 for flag in flags if flag)
    if not flags or leaders == 1:
        return ""
    return _("Mark exactly one member as the group leader (组长); %(count)s are marked.") % {"count": leaders}


def _check_members(members: list[dict]) -> None:
    error = leader_error(member.get("is_leader") for member in members)
    if error:
        raise ValidationError(error)


def _apply(entry: Entry, data: dict) -> None:
    for field in entry_fields(entry.category.kind):
        if field in data:
            setattr(entry, field, data[field])
    if entry.topic_type != Entry.TopicType.PROBLEM_SOLVING:
        entry.sub_type = ""


@transaction.atomic
def create_entry(*, category: Category, enterprise: Enterprise, by, data: dict, members: list[dict]) -> Entry:
    """A new draft entry of the enterprise in the category, within the deadline and the quota."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)  # one quota check at a time
    _ensure_approved(enterprise)
    _ensure_open(category.edition, enterprise)
    if quota_left(category=category, enterprise=enterprise) == 0:
        raise ValidationError(quota_message(category))
    _check_members(members)
    _ensure_title_free(edition=category.edition, enterprise=enterprise, title=data["title"])
    entry = Entry(edition=category.edition, category=category, enterprise=enterprise, created_by=by)
    _apply(entry, data)
    entry.status = Entry.Status.DRAFT
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # the same form posted twice at once
        raise ValidationError(_("Your enterprise already has an entry with this title in this edition."))
    EntryTransition.objects.create(entry=entry, from_status="", to_status=Entry.Status.DRAFT, by=by)
    _set_members(entry, members)
    _propose_for(entry, by=by)
    return entry


def _propose_for(entry: Entry, *, by) -> None:
    """The enterprise named a recommending unit on its entry: that is a proposal until the unit confirms it."""
    if entry.recommending_unit_id:
        propose_recommendation(
            edition=entry.edition,
            enterprise=entry.enterprise,
            unit=entry.recommending_unit,
            side=Recommendation.Side.ENTERPRISE,
            by=by,
        )


def _lock_editable(entry: Entry) -> Entry:
    entry = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("edition", "category", "enterprise")
        .get(pk=entry.pk)
    )
    _ensure_approved(entry.enterprise)
    _ensure_open(entry.edition, entry.enterprise)
    if not entry.is_editable_status:
        raise ValidationError(
            _("This entry is %(status)s and can no longer be changed.") % {"status": entry.get_status_display()}
        )
    return entry


@transaction.atomic
def update_entry(*, entry: Entry, by, data: dict, members: list[dict]) -> Entry:
    entry = _lock_editable(entry)
    _check_members(members)
    _ensure_title_free(edition=entry.edition, enterprise=entry.enterprise, title=data["title"], exclude_pk=entry.pk)
    _apply(entry, data)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # another edit took the same title at the same moment
        raise ValidationError(_("Your enterprise already has an entry with this title in this edition."))
    _set_members(entry, members)
    _propose_for(entry, by=by)
    _resubmit_changed(entry, by=by)
    return entry


SUBMITTED_STATUSES = (Entry.Status.SUBMITTED, Entry.Status.UNDER_REVIEW)


def _resubmit_changed(entry: Entry, *, by) -> None:
    """A submitted entry the enterprise changed (its fields, members or files) before the deadline is submitted
    again as it is now: it must still be complete; its format review starts over, and if the review had started,
    the edition's organisers are told and the review page shows that it changed."""
    if entry.status not in SUBMITTED_STATUSES:
        return
    missing = missing_items(entry)
    if missing:
        raise ValidationError(
            _("The entry is submitted, so it must stay complete; it would lack: %(items)s.")
            % {"items": "、".join(missing)}
        )
    was_under_review = entry.status == Entry.Status.UNDER_REVIEW
    _record(entry, to_status=Entry.Status.SUBMITTED, by=by, reason=_("Changed and submitted again by the enterprise."))
    entry.submitted_at = timezone.now()
    entry.save(update_fields=["status", "submitted_at", "updated_at"])
    if was_under_review:
        queue_email(
            to=_organiser_emails(entry.edition),
            template="submissions/email/entry_changed_in_review",
            context={"entry": entry, "site_url": settings.SITE_URL},
            signed_by=entry.edition.association.name,
        )


def changed_during_review(entry: Entry) -> EntryTransition | None:
    """The enterprise's change that sent an entry back from format review, while it waits for review again."""
    if entry.status != Entry.Status.SUBMITTED:
        return None
    last = entry.transitions.order_by("-at", "-id").first()
    if last is not None and last.from_status == Entry.Status.UNDER_REVIEW and last.to_status == Entry.Status.SUBMITTED:
        return last
    return None


@transaction.atomic
def withdraw_entry(*, entry: Entry, by, reason: str) -> Entry:
    """The enterprise withdraws a submitted (or returned, or accepted) entry before the deadline, with a reason.
    A withdrawn entry takes none of its places (EntryQuerySet.counting_for_quota), leaves its venue and cannot be
    submitted again; the organisers are told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for withdrawing the entry."))
    entry = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("edition", "category", "enterprise")
        .get(pk=entry.pk)
    )
    _ensure_open(entry.edition, entry.enterprise)
    if entry.status not in Entry.WITHDRAWABLE_STATUSES:
        raise ValidationError(
            _("This entry is %(status)s and cannot be withdrawn.") % {"status": entry.get_status_display()}
        )
    _record(entry, to_status=Entry.Status.WITHDRAWN, by=by, reason=reason)
    entry.venue = None
    entry.running_order = None
    entry.save(update_fields=["status", "venue", "running_order", "updated_at"])
    queue_email(
        to=_organiser_emails(entry.edition),
        template="submissions/email/entry_withdrawn",
        context={"entry": entry, "reason": reason, "site_url": settings.SITE_URL},
        signed_by=entry.edition.association.name,
    )
    return entry


@transaction.atomic
def attach_file(*, entry: Entry, kind: str, upload, by) -> EntryFile:
    """Store an uploaded file of the entry (replacing the previous one of that kind) after checking it."""
    entry = _lock_editable(entry)
    if kind not in ALLOWED_TYPES:
        raise ValidationError(_("Unknown kind of file."))
    checked = files.check_upload(upload, allowed=ALLOWED_TYPES[kind])
    stored = EntryFile.objects.filter(entry=entry, kind=kind).first() or EntryFile(entry=entry, kind=kind)
    old_name = stored.file.name if stored.pk else ""
    stored.file.save(files.random_name(checked.extension), upload, save=False)
    new_name = stored.file.name
    storage = stored.file.storage
    transaction.on_commit(lambda: old_name and storage.delete(old_name))
    stored.original_name = checked.original_name
    stored.content_type = checked.content_type
    stored.size = checked.size
    stored.sha256 = checked.sha256
    stored.uploaded_by = by
    try:
        stored.save()
        _resubmit_changed(entry, by=by)
    except Exception:
        storage.delete(new_name)
        raise
    return stored


@transaction.atomic
def remove_file(*, entry: Entry, kind: str, by) -> str:
    """Take an uploaded file off an entry that can still be edited; returns the file's original name."""
    entry = _lock_editable(entry)
    stored = EntryFile.objects.filter(entry=entry, kind=kind).first()
    if stored is None:
        raise ValidationError(_("This entry has no such file (it may have been removed already)."))
    name, storage = stored.file.name, stored.file.storage
    stored.delete()
    _resubmit_changed(entry, by=by)
    transaction.on_commit(lambda: storage.delete(name))
    return stored.original_name


def required_file_kinds(category: Category) -> list[str]:
    kinds = []
    if category.requires_report:
        kinds.append(EntryFile.Kind.REPORT)
    if category.requires_slides:
        kinds.append(EntryFile.Kind.SLIDES)
    if category.requires_report_form:
        kinds.append(EntryFile.Kind.REPORT_FORM)
    if category.requires_video:
        kinds.append(EntryFile.Kind.VIDEO)
    return kinds


def offered_file_kinds(category: Category) -> list[str]:
    """The kinds of file an entry of the category can carry: the required ones first."""
    common = [EntryFile.Kind.REPORT, EntryFile.Kind.SLIDES, EntryFile.Kind.REPORT_FORM]
    if category.kind == Category.Kind.BRAND_STORY:
        common = [EntryFile.Kind.REPORT, EntryFile.Kind.SLIDES, EntryFile.Kind.VIDEO]
    required = required_file_kinds(category)
    return required + [kind for kind in common if kind not in required]


def missing_items(entry: Entry) -> list[str]:
    """What the entry still lacks before it can be submitted. Uses prefetched members and files."""
    missing = []
    kind = entry.category.kind
    if kind == Category.Kind.QC:
        if not entry.topic_type:
            missing.append(_("the topic type"))
        elif entry.topic_type == Entry.TopicType.PROBLEM_SOLVING and not entry.sub_type:
            missing.append(_("the problem-solving sub-type"))
        if not entry.group_name:
            missing.append(_("the group name"))
    if kind == Category.Kind.TRUSTED_TEAM and not entry.group_name:
        missing.append(_("the team name"))
    if kind == Category.Kind.BRAND_STORY and not entry.presenter:
        missing.append(_("the speaker"))
    if kind in KINDS_WITH_MEMBERS:
        members = list(entry.members.all())
        if not members:
            missing.append(_("the members"))
        elif leader_error(member.is_leader for member in members):
            missing.append(_("the group leader among the members"))
    present = {stored.kind for stored in entry.files.all()}
    labels = dict(EntryFile.Kind.choices)
    for file_kind in required_file_kinds(entry.category):
        if file_kind not in present:
            missing.append(str(labels[file_kind]))
    return missing


def _notify(entry: Entry, template: str, reason: str = "") -> None:
    queue_email(
        to=enterprise_emails(entry.enterprise),
        template=f"submissions/email/{template}",
        context={"entry": entry, "reason": reason, "site_url": settings.SITE_URL},
        signed_by=entry.edition.association.name,
    )


@transaction.atomic
def submit_entry(*, entry: Entry, by) -> Entry:
    """Send a draft (or a returned entry, once fixed) to the organiser's format review. A draft a recommending unit's
    list created is adopted by it: from now on it takes one of the enterprise's places (so there must be one left),
    and the unit's recommendation counts as confirmed by the enterprise."""
    Enterprise.objects.select_for_update().get(pk=entry.enterprise_id)  # one quota check at a time, as create_entry
    entry = _lock_editable(entry)
    if entry.status in SUBMITTED_STATUSES:
        raise ValidationError(_("This entry is already submitted; a change you save submits it again."))
    if entry.recommended_draft and quota_left(category=entry.category, enterprise=entry.enterprise) == 0:
        raise ValidationError(quota_message(entry.category))
    missing = missing_items(entry)
    if missing:
        raise ValidationError(
            _("The entry cannot be submitted yet; it lacks: %(items)s.") % {"items": "、".join(missing)}
        )
    _record(entry, to_status=Entry.Status.SUBMITTED, by=by)
    entry.submitted_at = timezone.now()
    entry.recommended_draft = False
    entry.save(update_fields=["status", "submitted_at", "recommended_draft", "updated_at"])
    _propose_for(entry, by=by)
    _notify(entry, "entry_submitted")
    return entry


@transaction.atomic
def delete_draft(*, entry: Entry, by) -> DeletedDraft:
    """The enterprise deletes a draft it never submitted, whoever created it (its own, or a recommending unit's
    list). The deletion is kept in DeletedDraft, which the unit whose list created the draft reads on its page."""
    entry = (
        Entry.objects.select_for_update(of=("self",)).select_related("category", "recommending_unit").get(pk=entry.pk)
    )
    if entry.status != Entry.Status.DRAFT:
        raise ValidationError(
            _("Only a draft that was never submitted can be deleted; this entry is %(status)s.")
            % {"status": entry.get_status_display()}
        )
    trail = DeletedDraft.objects.create(
        edition_id=entry.edition_id,
        enterprise_id=entry.enterprise_id,
        unit=entry.recommending_unit if entry.recommended_draft else None,
        category_name=entry.category.name[:100],
        title=entry.title,
        by=by,
    )
    stored = [(item.file.storage, item.file.name) for item in entry.files.all()]
    entry.delete()
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in stored])
    return trail


# --- recommendations (推荐关系) -------------------------------------------------------------------


def propose_recommendation(*, edition, enterprise, unit: RecommendingUnit, side: str, by) -> Recommendation:
    """One side says the unit recommends the enterprise in the edition. A new link is pending until the other side
    confirms it; a pending link proposed by the other side is confirmed by this; an organiser's word confirms it.
    A declined link stays declined (the organiser can still confirm it)."""
    recommendation, created = Recommendation.objects.select_for_update().get_or_create(
        edition_id=edition.pk,
        enterprise_id=enterprise.pk,
        unit_id=unit.pk,
        defaults={"proposed_by_side": side, "proposed_by": by},
    )
    agreed = recommendation.status == Recommendation.Status.PENDING and (
        side == Recommendation.Side.ORGANISER or (not created and recommendation.proposed_by_side != side)
    )
    if agreed:
        recommendation.status = Recommendation.Status.CONFIRMED
        recommendation.decided_by = by
        recommendation.decided_at = timezone.now()
        recommendation.save(update_fields=["status", "decided_by", "decided_at"])
    return recommendation


@transaction.atomic
def decide_recommendation(*, recommendation: Recommendation, by, confirm: bool) -> Recommendation:
    """The other side (or an organiser of the edition: the caller checks who) confirms or declines a pending link."""
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if recommendation.status != Recommendation.Status.PENDING:
        raise ValidationError(
            _("This recommendation is already %(status)s.") % {"status": recommendation.get_status_display()}
        )
    recommendation.status = Recommendation.Status.CONFIRMED if confirm else Recommendation.Status.DECLINED
    recommendation.decided_by = by
    recommendation.decided_at = timezone.now()
    recommendation.save(update_fields=["status", "decided_by", "decided_at"])
    return recommendation


def recommendation_states(entries) -> dict[tuple[int, int, int], Recommendation]:
    """The links of the given entries' (edition, enterprise, unit), in one query, keyed so."""
    keys = {(e.edition_id, e.enterprise_id, e.recommending_unit_id) for e in entries if e.recommending_unit_id}
    if not keys:
        return {}
    found = Recommendation.objects.filter(
        edition_id__in={key[0] for key in keys},
        enterprise_id__in={key[1] for key in keys},
        unit_id__in={key[2] for key in keys},
    )
    return {(r.edition_id, r.enterprise_id, r.unit_id): r for r in found}


def _lock_for_review(entry: Entry) -> Entry:
    entry = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("edition", "category", "enterprise")
        .get(pk=entry.pk)
    )
    if entry.status not in REVIEWABLE:
        raise ValidationError(
            _("This entry is %(status)s; only submitted entries can be reviewed.")
            % {"status": entry.get_status_display()}
        )
    return entry


@transaction.atomic
def start_review(*, entry: Entry, by) -> Entry:
    entry = _lock_for_review(entry)
    if entry.status == Entry.Status.UNDER_REVIEW:
        raise ValidationError(_("The format review of this entry has already started."))
    _record(entry, to_status=Entry.Status.UNDER_REVIEW, by=by)
    entry.save(update_fields=["status", "updated_at"])
    return entry


def next_entry_code(*, category: Category) -> str:
    """The next free code of the category, e.g. QC-2021-0137. Call with the category row locked."""
    prefix = f"{category.code}-{category.edition.year}-"
    used = Entry.objects.filter(edition_id=category.edition_id, code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in used if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _decide(entry: Entry, *, by, decision: str, reason: str) -> Entry:
    if decision not in DECISIONS:
        raise ValidationError(_("Unknown decision."))
    reason = (reason or "").strip()
    if decision != "accept" and not reason:
        raise ValidationError(_("Please give the reasons, so the enterprise knows what to do."))
    entry = _lock_for_review(entry)
    if decision == "accept" and not entry.code:
        # The lock on the category row makes code numbering one-at-a-time per category.
        category = Category.objects.select_for_update(of=("self",)).select_related("edition").get(pk=entry.category_id)
        entry.code = next_entry_code(category=category)
    _record(entry, to_status=DECISIONS[decision], by=by, reason=reason)
    entry.save(update_fields=["status", "code", "updated_at"])
    template = {"accept": "entry_accepted", "return": "entry_returned"}.get(decision, "entry_decided")
    _notify(entry, template, reason)
    return entry


@transaction.atomic
def review_entry(*, entry: Entry, by, decision: str, reason: str = "") -> Entry:
    """The organiser's format-review decision: accept (with a code), return with reasons, reject or defer."""
    return _decide(entry, by=by, decision=decision, reason=reason)


REVISABLE = (Entry.Status.ACCEPTED, Entry.Status.REJECTED, Entry.Status.DEFERRED)


def why_decision_stays(entry: Entry) -> str:
    """Why the format-review decision on an entry cannot be revised now ("" when it can)."""
    if entry.status not in REVISABLE:
        return _(
            "Only the decision on an accepted, rejected or deferred entry can be revised; this entry is %(status)s."
        ) % {"status": entry.get_status_display()}
    if entry.edition.status == Edition.Status.PUBLISHED:
        return _("The results of this edition are published: its decisions can no longer change.")
    if hooks.any_true(hooks.ENTRY_JUDGED, entry=entry):
        return _("Judges have already scored this entry: its decision stays.")
    return ""


@transaction.atomic
def reopen_review(*, entry: Entry, by, reason: str) -> Entry:
    """The organiser revises a format-review decision: the entry goes back under review, with the reason, and
    the enterprise is told. Not once a judge has a score sheet for it or the edition's results are published.
    An accepted entry keeps its code and leaves its venue; it is assigned again once accepted again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give the reason for revising the decision."))
    entry = Entry.objects.select_for_update(of=("self",)).select_related("edition", "enterprise").get(pk=entry.pk)
    refusal = why_decision_stays(entry)
    if refusal:
        raise ValidationError(refusal)
    _record(entry, to_status=Entry.Status.UNDER_REVIEW, by=by, reason=reason)
    entry.venue = None
    entry.running_order = None
    entry.save(update_fields=["status", "venue", "running_order", "updated_at"])
    _notify(entry, "entry_reopened", reason)
    return entry


@transaction.atomic
def bulk_accept(*, entries, by) -> tuple[list[Entry], list[Entry]]:
    """Accept every reviewable entry given; return (accepted, skipped)."""
    accepted, skipped = [], []
    for entry in entries:
        if entry.status in REVIEWABLE:
            accepted.append(_decide(entry, by=by, decision="accept", reason=""))
        else:
            skipped.append(entry)
    return accepted, skipped


# --- following entries through the year ----------------------------------------------------------


def follow_entries(entries) -> list[Entry]:
    """Attach to each entry what its enterprise (or its recommending unit) follows: `slot` (the venue's room, date,
    time and the place in the running order, once assigned; None before) and `outcome` (its published result, from
    results through events.hooks.ENTRY_OUTCOMES, only once the edition's results are published; None before).
    Expects the entries' venues loaded (select_related("venue")); one query for all the outcomes."""
    entries = list(entries)
    outcomes = hooks.merged(hooks.ENTRY_OUTCOMES, entry_ids=[entry.pk for entry in entries]) if entries else {}
    for entry in entries:
        entry.slot = None
        if entry.venue_id and entry.status == Entry.Status.ACCEPTED:
            starts, ends = entry.venue.slot(entry.running_order) if entry.running_order else (None, None)
            entry.slot = {"venue": entry.venue, "position": entry.running_order, "starts": starts, "ends": ends}
        entry.outcome = outcomes.get(entry.pk)
    return entries
