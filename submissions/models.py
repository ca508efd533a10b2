from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.models import Edition, SubType, TopicType
from submissions.validators import validate_credit_code


class Province(models.TextChoices):
    BEIJING = "beijing", _("Beijing")
    TIANJIN = "tianjin", _("Tianjin")
    HEBEI = "hebei", _("Hebei")
    SHANXI = "shanxi", _("Shanxi")
    INNER_MONGOLIA = "inner_mongolia", _("Inner Mongolia")
    LIAONING = "liaoning", _("Liaoning")
    JILIN = "jilin", _("Jilin")
    HEILONGJIANG = "heilongjiang", _("Heilongjiang")
    SHANGHAI = "shanghai", _("Shanghai")
    JIANGSU = "jiangsu", _("Jiangsu")
    ZHEJIANG = "zhejiang", _("Zhejiang")
    ANHUI = "anhui", _("Anhui")
    FUJIAN = "fujian", _("Fujian")
    JIANGXI = "jiangxi", _("Jiangxi")
    SHANDONG = "shandong", _("Shandong")
    HENAN = "henan", _("Henan")
    HUBEI = "hubei", _("Hubei")
    HUNAN = "hunan", _("Hunan")
    GUANGDONG = "guangdong", _("Guangdong")
    GUANGXI = "guangxi", _("Guangxi")
    HAINAN = "hainan", _("Hainan")
    CHONGQING = "chongqing", _("Chongqing")
    SICHUAN = "sichuan", _("Sichuan")
    GUIZHOU = "guizhou", _("Guizhou")
    YUNNAN = "yunnan", _("Yunnan")
    TIBET = "tibet", _("Tibet")
    SHAANXI = "shaanxi", _("Shaanxi")
    GANSU = "gansu", _("Gansu")
    QINGHAI = "qinghai", _("Qinghai")
    NINGXIA = "ningxia", _("Ningxia")
    XINJIANG = "xinjiang", _("Xinjiang")
    HONG_KONG = "hong_kong", _("Hong Kong")
    MACAO = "macao", _("Macao")
    TAIWAN = "taiwan", _("Taiwan")


class EnterpriseQuerySet(models.QuerySet):
    def reviewable_by(self, user):
        """The enterprises the user may approve or reject: a platform administrator (superuser), all; an organiser,
        those registered for or taking part in (an entry, a recommendation) an edition the user organises (so an
        association's organisers see only the enterprises that entered its editions)."""
        if user.is_superuser:
            return self
        editions = Edition.objects.organised_by(user)
        return self.filter(
            models.Q(pk__in=Enterprise.editions.through.objects.filter(edition__in=editions).values("enterprise"))
            | models.Q(pk__in=Entry.objects.filter(edition__in=editions).values("enterprise"))
            | models.Q(pk__in=Recommendation.objects.filter(edition__in=editions).values("enterprise"))
        )


class Enterprise(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("enterprise name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    province = models.CharField(_("province"), max_length=20, choices=Province.choices)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    parent_group = models.CharField(
        _("parent group"), max_length=200, blank=True, help_text=_("The enterprise group it belongs to, if any.")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    editions = models.ManyToManyField(
        "events.Edition",
        verbose_name=_("editions registered for"),
        blank=True,
        related_name="registered_enterprises",
        help_text=_("The editions it registered for: their organisers review it."),
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED


class RecommendingUnit(models.Model):
    """A regional association or enterprise group that pre-selects and recommends entries (推荐单位)."""

    association = models.ForeignKey(
        "events.Association", verbose_name=_("association"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("name"), max_length=200)
    province = models.CharField(_("province"), max_length=20, choices=Province.choices, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("recommending unit")
        verbose_name_plural = _("recommending units")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["association", "name"], name="unit_unique_name_in_association")]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """What a user belongs to: an enterprise (its users, and a judge's employer, used for recusal) or a
    recommending unit. Kept here, not on the user, so the user model depends on no app above it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="membership"
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        help_text=_("For enterprise users, their enterprise; for judges, the enterprise they work for, if any."),
    )
    recommending_unit = models.ForeignKey(
        RecommendingUnit,
        verbose_name=_("recommending unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    is_administrator = models.BooleanField(
        _("administrator"), default=False, help_text=_("May manage the other users of the enterprise.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=False, recommending_unit__isnull=True)
                | models.Q(enterprise__isnull=True, recommending_unit__isnull=False),
                name="membership_one_organisation",
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.enterprise or self.recommending_unit}"


class EntryQuerySet(models.QuerySet):
    def counting_for_quota(self):
        """Entries that take one of an enterprise's places in a category: all but rejected, deferred and withdrawn
        ones, and but the drafts a recommending unit's list created that the enterprise has not submitted (adopted)
        yet. (A deleted draft is gone, so it takes none either.)"""
        return self.exclude(status__in=[Entry.Status.REJECTED, Entry.Status.DEFERRED, Entry.Status.WITHDRAWN]).exclude(
            recommended_draft=True
        )


class Entry(models.Model):
    """One result sent to an edition: a QC-group result, a trusted-team result or a brand story."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under format review")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned for revision")
        # 不评: the entry is not judged (an enterprise's registration that is refused is 未通过).
        REJECTED = "rejected", pgettext_lazy("entry", "Rejected")
        DEFERRED = "deferred", _("Deferred")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Defined with the categories (events), which venues share with entries.
    TopicType = TopicType
    SubType = SubType

    edition = models.ForeignKey(
        "events.Edition", verbose_name=_("edition"), on_delete=models.PROTECT, related_name="entries"
    )
    category = models.ForeignKey(
        "events.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="entries"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("applicant enterprise"), on_delete=models.PROTECT, related_name="entries"
    )
    recommending_unit = models.ForeignKey(
        RecommendingUnit,
        verbose_name=_("recommending unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    recommendation_opinion = models.TextField(_("recommending unit's opinion"), blank=True)
    recommended_draft = models.BooleanField(
        _("recommended, not yet adopted"),
        default=False,
        help_text=_(
            "Created from a recommending unit's list and not yet submitted by the enterprise: it takes none of the "
            "enterprise's places and the enterprise may delete it."
        ),
    )
    code = models.CharField(_("entry code"), max_length=30, blank=True)
    title = models.CharField(_("title"), max_length=200)
    group_name = models.CharField(_("group or team name"), max_length=200, blank=True)
    topic_type = models.CharField(_("topic type"), max_length=20, choices=TopicType.choices, blank=True)
    sub_type = models.CharField(_("problem-solving sub-type"), max_length=20, choices=SubType.choices, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    completing_units = models.TextField(_("completing units"), blank=True, help_text=_("One unit per line."))
    speciality = models.CharField(_("speciality"), max_length=100, blank=True)
    activity_start = models.DateField(_("activity started"), null=True, blank=True)
    activity_end = models.DateField(_("activity ended"), null=True, blank=True)
    presenter = models.CharField(_("presenter"), max_length=100, blank=True)
    workshop = models.CharField(_("workshop or line"), max_length=200, blank=True)
    team_leader = models.CharField(_("team leader"), max_length=100, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    publish_report = models.BooleanField(_("agree to publish the report"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    venue = models.ForeignKey(
        "events.Venue",
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
    )
    running_order = models.PositiveSmallIntegerField(_("running order"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    objects = EntryQuerySet.as_manager()

    # Until submissions close (services.accepts_entries) the enterprise may change these; a submitted entry, even
    # one whose format review has started, is re-submitted by the change (services.update_entry).
    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED, Status.SUBMITTED, Status.UNDER_REVIEW)
    # The enterprise may withdraw these (with a reason) until submissions close.
    WITHDRAWABLE_STATUSES = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.RETURNED, Status.ACCEPTED)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["edition", "category__position", "code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], condition=~models.Q(code=""), name="entry_unique_code"),
            # The natural key of an entry: what makes a re-imported recommendation list or a form posted
            # twice land on the existing entry instead of a copy.
            models.UniqueConstraint(
                fields=["edition", "enterprise", "title"], name="entry_unique_title_per_enterprise"
            ),
            models.UniqueConstraint(
                fields=["venue", "running_order"],
                condition=models.Q(venue__isnull=False, running_order__isnull=False),
                name="entry_unique_running_order",
            ),
        ]
        indexes = [models.Index(fields=["edition", "status"]), models.Index(fields=["category", "status"])]

    def __str__(self):
        return f"{self.code} {self.title}" if self.code else self.title

    @property
    def rubric(self):
        return self.category.rubric_for(self.topic_type)

    @property
    def is_editable_status(self):
        return self.status in self.EDITABLE_STATUSES


class Member(models.Model):
    entry = models.ForeignKey(Entry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    group_role = models.CharField(_("role in the group"), max_length=50, blank=True)
    post = models.CharField(_("title or post"), max_length=100, blank=True)
    is_leader = models.BooleanField(_("group leader"), default=False)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["entry", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entry"], condition=models.Q(is_leader=True), name="member_one_leader")
        ]

    def __str__(self):
        return self.name


class EntryFile(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("Report (PDF)")
        SLIDES = "slides", _("Slides (PDF or PPTX)")
        REPORT_FORM = "report_form", _("Report form")
        VIDEO = "video", _("Video")

    entry = models.ForeignKey(Entry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="entries/%Y/%m/", max_length=300)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("entry file")
        verbose_name_plural = _("entry files")
        ordering = ["entry", "kind", "-uploaded_at"]
        constraints = [models.UniqueConstraint(fields=["entry", "kind"], name="entry_file_one_per_kind")]

    def __str__(self):
        return self.original_name


class EntryTransition(models.Model):
    """Every status change of an entry: who, when, why."""

    entry = models.ForeignKey(Entry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=20, choices=Entry.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Entry.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("entry transition")
        verbose_name_plural = _("entry transitions")
        ordering = ["entry", "at", "id"]

    def __str__(self):
        return f"{self.entry}: {self.from_status} -> {self.to_status}"


class DeadlineExtension(models.Model):
    """An organiser gave one enterprise more time to submit and change its entries in an edition."""

    edition = models.ForeignKey(
        "events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="deadline_extensions"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="deadline_extensions"
    )
    until = models.DateTimeField(_("extended until"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now=True)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["edition", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "enterprise"], name="deadline_extension_one_per_enterprise")
        ]

    def __str__(self):
        return f"{self.enterprise} {self.edition_id} -> {self.until}"


class Recommendation(models.Model):
    """That a recommending unit recommends an enterprise in an edition (推荐关系). Either side proposes it: the
    enterprise by naming the unit on an entry, the unit by a recommendation list. It stays pending until the other
    side, or an organiser of the edition, confirms it (or declines it)."""

    class Side(models.TextChoices):
        ENTERPRISE = "enterprise", _("the enterprise")
        UNIT = "unit", _("the recommending unit")
        ORGANISER = "organiser", _("the organiser")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    edition = models.ForeignKey(
        "events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="recommendations"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="recommendations"
    )
    unit = models.ForeignKey(
        RecommendingUnit,
        verbose_name=_("recommending unit"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    proposed_by_side = models.CharField(_("proposed by"), max_length=20, choices=Side.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["edition", "enterprise", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "enterprise", "unit"], name="recommendation_one_per_pair")
        ]

    def __str__(self):
        return f"{self.unit} -> {self.enterprise} ({self.edition_id})"

    @property
    def is_confirmed(self):
        return self.status == self.Status.CONFIRMED


class DeletedDraft(models.Model):
    """The trail of a draft deleted by its enterprise (the entry and its own history are gone): who deleted what,
    and, for a draft a recommending unit's list created, the unit, which reads it on its page."""

    edition = models.ForeignKey("events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        RecommendingUnit,
        verbose_name=_("recommending unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deleted_drafts",
    )
    category_name = models.CharField(_("category"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deleted draft")
        verbose_name_plural = _("deleted drafts")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.enterprise}: {self.title}"


class Invitation(models.Model):
    """An enterprise administrator's invitation of a colleague by e-mail. The link carries a random token; only its
    SHA-256 is stored, so the table does not hold working links. Valid until `expires_at`, once."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.enterprise}: {self.email}"


class JoinRequest(models.Model):
    """Someone who signed up with the credit code of a registered enterprise asks to join it. No account exists until
    the enterprise's administrator (or an organiser) approves: then the account is made, inactive, with the password
    given at sign-up (kept here as a hash), and the link that confirms the e-mail address is sent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting a decision")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="join_requests"
    )
    email = models.EmailField(_("e-mail"))
    full_name = models.CharField(_("full name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    password = models.CharField(_("password"), max_length=128)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "email"],
                condition=models.Q(status="pending"),
                name="join_request_one_pending_per_email",
            )
        ]

    def __str__(self):
        return f"{self.enterprise}: {self.email}"


class PeopleEvent(models.Model):
    """The trail of who joined, left or changed role in an enterprise. Kept here, not in events.AuditEvent, whose
    events belong to an edition: an enterprise's users belong to no edition."""

    class Action(models.TextChoices):
        INVITED = "invited", _("Invited")
        INVITATION_ACCEPTED = "invitation_accepted", _("Accepted an invitation")
        JOIN_REQUESTED = "join_requested", _("Asked to join")
        JOIN_APPROVED = "join_approved", _("Join request approved")
        JOIN_DECLINED = "join_declined", _("Join request declined")
        MADE_ADMINISTRATOR = "made_administrator", _("Made an administrator")
        ADMINISTRATOR_REMOVED = "administrator_removed", _("Administrator role removed")
        REMOVED = "removed", _("Removed from the enterprise")
        LEFT = "left", _("Left the enterprise")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="people_events"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    email = models.EmailField(_("whom"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise user event")
        verbose_name_plural = _("enterprise user events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["enterprise", "at"])]

    def __str__(self):
        return f"{self.enterprise}: {self.action} {self.email}"
