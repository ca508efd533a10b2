from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events import hooks

# Points are kept to one decimal place everywhere: typed on a sheet, summed in a rubric, shown in a protocol.
POINTS_STEP = Decimal("0.1")


class TopicType(models.TextChoices):
    """The topic type of a QC result (课题类型): entries have one; a venue may hear only one."""

    PROBLEM_SOLVING = "problem_solving", _("Problem-solving")
    INNOVATION = "innovation", _("Innovation")


class SubType(models.TextChoices):
    """The sub-type of a problem-solving QC result."""

    SITE = "site", _("On-site")
    TACKLE = "tackle", _("Tackling key problems")
    MANAGEMENT = "management", _("Management")
    SERVICE = "service", _("Service")


class AssociationQuerySet(models.QuerySet):
    def of(self, user):
        """The associations the user works for (administrator or organiser); a platform administrator (superuser)
        works for every association."""
        if not (user and user.is_authenticated):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(members__user=user).distinct()

    def administered_by(self, user):
        if not (user and user.is_authenticated):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(members__user=user, members__role=AssociationMember.Role.ADMINISTRATOR).distinct()


class Association(models.Model):
    """An association that runs exchanges (中国质量协会, a provincial association, an industry association): it owns
    its editions, its organiser team, its judges' pool and its recommending units, and sees only its own data.
    One installation hosts several; a platform administrator (superuser) creates them."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, help_text=_("For example 中机质协."))
    slug = models.SlugField(
        _("public address"),
        max_length=40,
        unique=True,
        help_text=_("Its public pages are reached under /a/<address>/: lower-case letters, digits and hyphens."),
    )
    logo = models.FileField(_("logo"), upload_to="associations/%Y/", blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    address = models.CharField(_("postal address"), max_length=300, blank=True)
    searchable = models.BooleanField(
        _("in the portal-wide search"),
        default=True,
        help_text=_("Its published results are found by the search across all associations."),
    )
    judges = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("judges' pool"), related_name="judge_pools", blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AssociationQuerySet.as_manager()

    class Meta:
        verbose_name = _("association")
        verbose_name_plural = _("associations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class AssociationMember(models.Model):
    """A user who works for an association: an administrator (its settings, its team, every edition of it) or an
    organiser (the editions whose team they are on, and the editions they create)."""

    class Role(models.TextChoices):
        ADMINISTRATOR = "administrator", _("Administrator")
        ORGANISER = "organiser", _("Organiser")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="association_roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ORGANISER)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("member of an association")
        verbose_name_plural = _("members of an association")
        ordering = ["association", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["association", "user"], name="association_member_unique")]

    def __str__(self):
        return f"{self.user} · {self.association}"


class AssociationEvent(models.Model):
    """A change to an association's team or settings: who, when, what. The audit trail of an edition
    (AuditEvent) needs an edition, and these changes are about none: who may reach every edition of the
    association is decided here, so it gets a small trail of its own, shown on the team page."""

    class Action(models.TextChoices):
        CREATED = "created", _("Association created")
        SETTINGS_CHANGED = "settings_changed", _("Settings changed")
        MEMBER_ADDED = "member_added", _("Put on the team")
        ROLE_CHANGED = "role_changed", _("Role changed")
        MEMBER_REMOVED = "member_removed", _("Taken off the team")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    target = models.CharField(_("what"), max_length=200, blank=True)
    old_values = models.JSONField(_("old values"), default=dict, blank=True)
    new_values = models.JSONField(_("new values"), default=dict, blank=True)

    class Meta:
        verbose_name = _("change to an association")
        verbose_name_plural = _("changes to an association")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.association} · {self.get_action_display()}"


class EditionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Edition.Status.PUBLISHED)

    def current(self):
        """The edition being run now: the newest not yet published, else the newest."""
        ordered = self.order_by("-year", "-number", "-pk")
        return ordered.exclude(status=Edition.Status.PUBLISHED).first() or ordered.first()

    def organised_by(self, user):
        """The editions the user organises: the queryset form of events.rules.organises (a superuser organises
        every edition), for lists; keep the two the same."""
        if user.is_superuser:
            return self
        administered = AssociationMember.objects.filter(user=user, role=AssociationMember.Role.ADMINISTRATOR)
        return self.filter(
            models.Q(organisers=user) | models.Q(association__in=administered.values("association"))
        ).distinct()

    def of_association(self, association):
        return self.filter(association=association) if association is not None else self


class Edition(models.Model):
    """One annual exchange (年度交流活动), e.g. the 40th exchange of 2021 in Hangzhou."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for entries")
        CLOSED = "closed", _("Entries closed")
        JUDGING = "judging", _("Judging")
        PUBLISHED = "published", _("Results published")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="editions"
    )
    name = models.CharField(_("name"), max_length=200)
    number = models.PositiveIntegerField(_("number"), help_text=_("The 40 in 第40次."))
    year = models.PositiveIntegerField(_("year"), validators=[MinValueValidator(1978), MaxValueValidator(2200)])
    city = models.CharField(_("city"), max_length=50, blank=True)
    starts_on = models.DateField(_("first day"), null=True, blank=True)
    ends_on = models.DateField(_("last day"), null=True, blank=True)
    hosts = models.TextField(_("hosts"), blank=True, help_text=_("One host per line."))
    notice = models.TextField(_("notice"), blank=True)
    submissions_open_at = models.DateTimeField(_("submissions open"), null=True, blank=True)
    submission_deadline = models.DateTimeField(_("submission deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("organisers"), related_name="organised_editions", blank=True
    )
    copied_from = models.ForeignKey(
        "self", verbose_name=_("copied from"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["association", "name", "year"], name="edition_unique_name_year"),
            models.CheckConstraint(
                condition=models.Q(submission_deadline__isnull=True)
                | models.Q(submissions_open_at__isnull=True)
                | models.Q(submission_deadline__gt=models.F("submissions_open_at")),
                name="edition_deadline_after_opening",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def days_left(self) -> int | None:
        """Whole days until the submission deadline (days_until)."""
        return days_until(self.submission_deadline)


def days_until(moment) -> int | None:
    """Whole days until `moment` (0 on its last day), None without one. Said in days: a duration in months ("9 月")
    reads like a month of the year in Chinese."""
    if moment is None:
        return None
    return max((moment - timezone.now()).days, 0)


class Rubric(models.Model):
    """A score sheet layout (评审表): ordered criteria with maxima. Versioned per edition."""

    class Kind(models.TextChoices):
        PROBLEM_SOLVING = "problem_solving", _("QC result, problem-solving")
        INNOVATION = "innovation", _("QC result, innovation")
        ON_SITE = "on_site", _("QC on-site review")
        TRUSTED_TEAM = "trusted_team", _("Quality-trusted team")
        BRAND_STORY = "brand_story", _("Quality brand story")
        OTHER = "other", _("Other")

    edition = models.ForeignKey(Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="rubrics")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    standard = models.CharField(
        _("standard followed"), max_length=200, blank=True, help_text=_("e.g. T/CAQ 10201-2020")
    )
    description = models.TextField(_("description for judges"), blank=True)
    total = models.DecimalField(_("total points"), max_digits=5, decimal_places=1, default=Decimal("100.0"))

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        ordering = ["edition", "name"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "name"], name="rubric_unique_name_per_edition"),
            models.CheckConstraint(
                condition=models.Q(total__gt=0),
                name="rubric_total_positive",
                violation_error_message=_("The total must be more than 0."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_locked(self) -> bool:
        """A rubric on which a judge has submitted a score sheet keeps its criteria for good."""
        return hooks.any_true(hooks.RUBRIC_LOCKED, rubric=self)


class Criterion(models.Model):
    rubric = models.ForeignKey(Rubric, verbose_name=_("rubric"), on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    max_points = models.DecimalField(
        _("maximum points"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    breaks_ties = models.BooleanField(_("breaks ties"), default=False)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["rubric", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "position"], name="criterion_unique_position"),
            models.UniqueConstraint(fields=["rubric", "name"], name="criterion_unique_name"),
            models.CheckConstraint(condition=models.Q(max_points__gt=0), name="criterion_max_positive"),
        ]

    def __str__(self):
        return f"{self.name} ({self.max_points})"


class Category(models.Model):
    """A kind of entry within an edition: QC results, trusted teams, brand stories, or another."""

    class Kind(models.TextChoices):
        QC = "qc", _("QC-group results")
        TRUSTED_TEAM = "trusted_team", _("Quality-trusted team results")
        BRAND_STORY = "brand_story", _("Quality brand stories")
        OTHER = "other", _("Other")

    class Aggregation(models.TextChoices):
        TRIMMED_MEAN = "trimmed_mean", _("Trimmed mean (drop one highest and one lowest from 5 sheets)")
        MEAN = "mean", _("Mean")
        MEDIAN = "median", _("Median")

    class Scope(models.TextChoices):
        VENUE = "venue", _("Within each venue")
        CATEGORY = "category", _("Across the whole category")

    class Published(models.TextChoices):
        """Which entries of a publication the public sees (DOMAIN.md section 7: only the awarded is the usual)."""

        GRADED = "graded", _("Only the entries with a grade")
        SCORED = "scored", _("Every scored entry")

    edition = models.ForeignKey(Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="categories")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.QC)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code prefix"), max_length=10, help_text=_("Prefix of entry codes, e.g. QC gives QC-2021-0137.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    requires_report = models.BooleanField(_("report (PDF) required"), default=True)
    requires_slides = models.BooleanField(_("slides required"), default=False)
    requires_report_form = models.BooleanField(_("report form required"), default=False)
    requires_video = models.BooleanField(_("video required"), default=False)
    quota_per_enterprise = models.PositiveIntegerField(_("entries per enterprise"), null=True, blank=True)
    rubric = models.ForeignKey(
        Rubric,
        verbose_name=_("rubric"),
        on_delete=models.PROTECT,
        related_name="categories",
        null=True,
        blank=True,
        help_text=_("For QC results: the rubric of problem-solving results."),
    )
    innovation_rubric = models.ForeignKey(
        Rubric,
        verbose_name=_("rubric for innovation results"),
        on_delete=models.PROTECT,
        related_name="innovation_categories",
        null=True,
        blank=True,
    )
    aggregation = models.CharField(
        _("aggregation"), max_length=20, choices=Aggregation.choices, default=Aggregation.TRIMMED_MEAN
    )
    min_sheets = models.PositiveSmallIntegerField(_("minimum sheets"), default=3)
    ranking_scope = models.CharField(_("ranking scope"), max_length=20, choices=Scope.choices, default=Scope.VENUE)
    # The publication policy: read by the public pages, the search, the open-data API and the public downloads
    # (public.queries.published_rows), so a change shows at once, for every publication of the edition.
    published_entries = models.CharField(
        _("entries the public sees"),
        max_length=20,
        choices=Published.choices,
        default=Published.GRADED,
        help_text=_("Once the results are published: every scored entry, or only those with a grade."),
    )
    publish_protocol = models.BooleanField(
        _("show each entry's protocol"),
        default=True,
        help_text=_("The public sees how each published score was reached: sheet totals, drops, tie-break values."),
    )
    share_comments = models.BooleanField(
        _("show the judges' comments to the entrant"),
        default=False,
        help_text=_(
            "Once the results are published, each enterprise reads the judges' comments on its own entries, "
            "without the judges' names. Never shown to the public."
        ),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["edition", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="category_unique_code"),
            models.UniqueConstraint(fields=["edition", "name"], name="category_unique_name"),
            models.CheckConstraint(condition=models.Q(min_sheets__gte=1), name="category_min_sheets_positive"),
        ]

    def __str__(self):
        return self.name

    def rubric_for(self, topic_type: str | None):
        """The rubric an entry of this category is scored on (QC innovation results have their own)."""
        if topic_type == TopicType.INNOVATION and self.innovation_rubric_id:
            return self.innovation_rubric
        return self.rubric


class GradeRule(models.Model):
    """One grade of a category (e.g. 标杆 or 一等奖) with its cumulative admission rule."""

    class Rule(models.TextChoices):
        SHARE = "share", _("Share of ranked entries")
        TOP_N = "top_n", _("Best n ranked entries")
        THRESHOLD = "threshold", _("Final score at least")

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="grade_rules"
    )
    position = models.PositiveSmallIntegerField(_("position"), help_text=_("1 is the best grade."))
    name = models.CharField(_("name"), max_length=50)
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices, default=Rule.SHARE)
    value = models.DecimalField(
        _("value"),
        max_digits=8,
        decimal_places=4,
        help_text=_("Share between 0 and 1, a number of entries, or a minimum score."),
    )
    floor = models.DecimalField(
        _("minimum score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Optional: no entry below this final score gets the grade, whatever its rank."),
    )

    class Meta:
        verbose_name = _("grade rule")
        verbose_name_plural = _("grade rules")
        ordering = ["category", "position"]
        constraints = [
            models.UniqueConstraint(fields=["category", "position"], name="grade_unique_position"),
            models.UniqueConstraint(fields=["category", "name"], name="grade_unique_name"),
            models.CheckConstraint(
                condition=~models.Q(rule="share") | models.Q(value__gte=0, value__lte=1),
                name="grade_share_between_0_and_1",
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="grade_value_not_negative"),
        ]

    def __str__(self):
        return self.name

    @property
    def value_text(self) -> str:
        """The rule's value as a reader says it: a share as a percentage (50%, not 0.5000)."""
        return grade_value_text(self.rule, self.value)


def grade_value_text(rule: str, value) -> str:
    """A grade rule's value in words: a share as a percentage ("50%"), a count or a score without trailing zeros."""
    number = Decimal(value)
    if rule == GradeRule.Rule.SHARE:
        return f"{(number * 100).normalize():f}%"
    return f"{number.normalize():f}"


class Venue(models.Model):
    """A sub-venue (分会场): one room where one panel hears and scores the entries of one category."""

    edition = models.ForeignKey(Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="venues")
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="venues")
    name = models.CharField(_("name"), max_length=100)
    room = models.CharField(_("room"), max_length=100, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_time = models.TimeField(
        _("end time"),
        null=True,
        blank=True,
        help_text=_("Leave empty to compute it from the planned number of entries."),
    )
    planned_entries = models.PositiveSmallIntegerField(_("planned number of entries"), null=True, blank=True)
    minutes_per_entry = models.PositiveSmallIntegerField(_("minutes per presentation"), default=15)
    minutes_for_comments = models.PositiveSmallIntegerField(_("minutes for comments"), default=5)
    topic_type = models.CharField(
        _("topic type"),
        max_length=20,
        blank=True,
        choices=TopicType.choices,
        help_text=_("Optional: the QC topic type this venue hears, to keep one type together."),
    )
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    draw_seed = models.CharField(_("draw seed"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["edition", "category__position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "name"], name="venue_unique_name"),
            models.CheckConstraint(
                condition=models.Q(end_time__isnull=True)
                | models.Q(start_time__isnull=True)
                | models.Q(end_time__gt=models.F("start_time")),
                name="venue_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def topic_type_label(self) -> str:
        return self.get_topic_type_display()

    @property
    def computed_end_time(self) -> time | None:
        """The end of the session: the end time given, else start + planned entries x (talk + comments)."""
        if self.end_time is not None:
            return self.end_time
        if self.start_time is None or not self.planned_entries:
            return None
        minutes = self.planned_entries * (self.minutes_per_entry + self.minutes_for_comments)
        end = datetime.combine(date.min, self.start_time) + timedelta(minutes=minutes)
        return end.time() if end.date() == date.min else time.max

    def slot(self, position: int) -> tuple[datetime | None, datetime | None]:
        """When the entry at `position` (1 first) of the running order presents: (starts, ends) as naive datetimes,
        each presentation followed by its comments; (None, None) when the date or start time is not set."""
        if self.date is None or self.start_time is None:
            return None, None
        step = timedelta(minutes=self.minutes_per_entry + self.minutes_for_comments)
        begins = datetime.combine(self.date, self.start_time) + step * (position - 1)
        return begins, begins + timedelta(minutes=self.minutes_per_entry)

    def time_span(self) -> tuple[datetime, datetime] | None:
        """When the panel sits, as naive datetimes; None when the date or start time is not set.

        A venue with neither an end time nor a planned number of entries is taken to last until midnight,
        so that a judge is never double-booked by accident.
        """
        if self.date is None or self.start_time is None:
            return None
        start = datetime.combine(self.date, self.start_time)
        end_time = self.computed_end_time
        end = datetime.combine(self.date, end_time) if end_time else datetime.combine(self.date + timedelta(1), time())
        return start, end

    @property
    def is_signed_off(self):
        return self.signed_off_at is not None


class PanelMember(models.Model):
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.CASCADE, related_name="panel")
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="panel_seats"
    )
    is_leader = models.BooleanField(_("panel leader"), default=False)

    class Meta:
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        ordering = ["venue", "-is_leader", "judge__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "judge"], name="panel_unique_judge"),
            models.UniqueConstraint(fields=["venue"], condition=models.Q(is_leader=True), name="panel_one_leader"),
        ]

    def __str__(self):
        return f"{self.venue}: {self.judge}"


class EditionStatusChange(models.Model):
    """Every status change of an edition: who, when, from and to."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Edition.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Edition.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("edition status change")
        verbose_name_plural = _("edition status changes")
        ordering = ["edition", "at", "id"]

    def __str__(self):
        return f"{self.edition}: {self.from_status} -> {self.to_status}"


class AuditEvent(models.Model):
    """A change to an edition's results, grade rules or publications: who, when, what and why.

    Written through events.audit.record. Score sheets keep their own trail (scoring.SheetAudit), entries theirs
    (submissions.EntryTransition) and edition statuses theirs (EditionStatusChange); results.audit gathers them
    for the organiser's audit page.
    """

    class Action(models.TextChoices):
        RESULTS_REQUESTED = "results_requested", _("Computation of the results requested")
        RESULTS_COMPUTED = "results_computed", _("Results computed")
        RESULTS_FAILED = "results_failed", _("Computation of the results failed")
        RESULTS_CANCELLED = "results_cancelled", _("Computation of the results cancelled")
        RULES_CHANGED = "rules_changed", _("Grade rules or scoring rules changed")
        PUBLISHED = "published", _("Results published")
        DOCUMENT_SET = "document_set", _("Document number or date of a publication's award list set")
        RUBRIC_SWITCHED = "rubric_switched", _("Rubric switched on a category with score sheets")
        RECUSAL_DECLARED = "recusal_declared", _("Recusal declared by an organiser")
        RECUSAL_LIFTED = "recusal_lifted", _("Recusal lifted")
        CERTIFICATE_TEMPLATE_CHANGED = "certificate_template", _("Certificate template changed")
        CERTIFICATES_REQUESTED = "certificates_requested", _("Certificates generated again")
        DEADLINE_EXTENDED = "deadline_extended", _("Submission deadline extended for an enterprise")
        ORGANISER_ADDED = "organiser_added", _("Organiser added to the edition")
        ORGANISER_REMOVED = "organiser_removed", _("Organiser removed from the edition")

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="audit_events"
    )
    user = models.ForeignKey(
        "portal.User", verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    target = models.CharField(_("what"), max_length=200, blank=True)
    old_values = models.JSONField(_("old values"), default=dict, blank=True)
    new_values = models.JSONField(_("new values"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["edition", "at"])]

    def __str__(self):
        return f"{self.edition_id} {self.action} {self.target}"


class Announcement(models.Model):
    """A notice an organiser sends to one audience of an edition: its enterprises, its judges or its recommending
    units. Each recipient, fixed when it is sent, gets it by e-mail and sees it on their own pages."""

    class Audience(models.TextChoices):
        ENTERPRISES = "enterprises", _("Enterprises with entries in the edition")
        JUDGES = "judges", _("Judges on the edition's panels")
        UNITS = "units", _("Recommending units of the edition")

    edition = models.ForeignKey(
        Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="announcements"
    )
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=5000)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("recipients"), related_name="announcements", blank=True
    )

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return self.subject
