from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class ScoreSheetQuerySet(models.QuerySet):
    def points_sum(self):
        """An expression: the sheet's criterion points summed (0.0 with none), what `total` must equal."""
        sums = CriterionScore.objects.filter(sheet=OuterRef("pk")).order_by().values("sheet").annotate(s=Sum("points"))
        return Coalesce(Subquery(sums.values("s")), Value(Decimal("0.0")), output_field=models.DecimalField())

    def refresh_totals(self) -> int:
        """Set each sheet's total to the sum of its criterion points where it differs; returns how many differed.

        Every path that writes points keeps the total (scoring.services.store_points and those that bulk-insert);
        this puts right one that did not, and is what the publication checks with (scoring.results)."""
        out_of_step = list(
            self.annotate(points=self.points_sum()).exclude(total=models.F("points")).values_list("pk", flat=True)
        )
        if out_of_step:
            ScoreSheet.objects.filter(pk__in=out_of_step).update(total=self.points_sum())
        return len(out_of_step)


class ScoreSheet(models.Model):
    """One judge's scores for one entry on the entry's rubric."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Source(models.TextChoices):
        TABLET = "tablet", _("Entered in the portal")
        PAPER = "paper", _("Imported from a paper sheet")

    entry = models.ForeignKey(
        "submissions.Entry", verbose_name=_("entry"), on_delete=models.PROTECT, related_name="sheets"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="sheets"
    )
    rubric = models.ForeignKey(
        "events.Rubric", verbose_name=_("rubric"), on_delete=models.PROTECT, related_name="sheets"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.TABLET)
    comment = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # The sum of the sheet's criterion points, kept with them: the results computation reads 140,000 totals
    # rather than summing 840,000 points each time (bench/README.md).
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=1, default=Decimal("0.0"))

    objects = ScoreSheetQuerySet.as_manager()

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["entry", "judge"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "judge"], name="sheet_one_per_judge_and_entry"),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="sheet_total_not_negative"),
        ]
        indexes = [models.Index(fields=["entry", "status"])]

    def __str__(self):
        return f"{self.entry} / {self.judge}"


class CriterionScore(models.Model):
    sheet = models.ForeignKey(
        ScoreSheet, verbose_name=_("score sheet"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        "events.Criterion", verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    points = models.DecimalField(_("points"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        ordering = ["sheet", "criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="score_one_per_criterion"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="score_not_negative"),
        ]

    def __str__(self):
        return f"{self.criterion.name}: {self.points}"


class Recusal(models.Model):
    """A judge who does not score an entry (回避): automatic by organisation, or declared."""

    entry = models.ForeignKey(
        "submissions.Entry", verbose_name=_("entry"), on_delete=models.CASCADE, related_name="recusals"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="recusals"
    )
    automatic = models.BooleanField(_("automatic"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    class Meta:
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        ordering = ["entry", "judge"]
        constraints = [models.UniqueConstraint(fields=["entry", "judge"], name="recusal_one_per_judge_and_entry")]

    def __str__(self):
        return f"{self.judge} / {self.entry}"

    @property
    def is_active(self):
        return self.lifted_at is None


class SheetAudit(models.Model):
    """Every change to a score sheet: who, when, old and new values, why."""

    sheet = models.ForeignKey(ScoreSheet, verbose_name=_("score sheet"), on_delete=models.CASCADE, related_name="audit")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=30)
    old_values = models.JSONField(_("old values"), default=dict, blank=True)
    new_values = models.JSONField(_("new values"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("sheet change")
        verbose_name_plural = _("sheet changes")
        ordering = ["sheet", "at", "id"]

    def __str__(self):
        return f"{self.sheet}: {self.action}"


class ResultRun(models.Model):
    """One computation of an edition's results, started by an organiser or by a venue's sign-off."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    edition = models.ForeignKey(
        "events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="result_runs"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    fingerprint = models.CharField(_("inputs' fingerprint"), max_length=64, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("results run")
        verbose_name_plural = _("results runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.edition} #{self.pk} ({self.status})"


class Result(models.Model):
    """An entry's computed result: final score, rank in its scope, grade. The protocol behind them is built from
    the sheets when it is shown or published (scoring.protocols)."""

    entry = models.OneToOneField(
        "submissions.Entry", verbose_name=_("entry"), on_delete=models.CASCADE, related_name="result"
    )
    # The entry's category and venue, copied for ranking and listing by them. The entry's foreign key holds the
    # row to the database; these copies are rewritten by every computation and carry no database constraint of
    # their own (Django still cascades and nulls them): checking 40,000 copied keys cost more than writing the
    # 20,000 rows (bench/README.md). The (category, rank) index serves the category's lookups.
    category = models.ForeignKey(
        "events.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="results",
        db_constraint=False,
        db_index=False,
    )
    venue = models.ForeignKey(
        "events.Venue",
        verbose_name=_("venue"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="results",
        db_constraint=False,
    )
    counted_sheets = models.PositiveSmallIntegerField(_("counted sheets"), default=0)
    final_score = models.DecimalField(_("final score"), max_digits=5, decimal_places=2, null=True, blank=True)
    ranked = models.BooleanField(_("ranked"), default=False)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=50, blank=True)
    grade_position = models.PositiveSmallIntegerField(_("grade position"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["category", "rank", "entry__code"]
        indexes = [models.Index(fields=["category", "rank"])]

    def __str__(self):
        return f"{self.entry}: {self.final_score} {self.grade}"


class Publication(models.Model):
    """A published snapshot of an edition's results. Re-publication adds a version with its reason."""

    edition = models.ForeignKey(
        "events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="publications"
    )
    version = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    fingerprint = models.CharField(_("inputs' fingerprint"), max_length=64, blank=True)
    snapshot = models.JSONField(_("snapshot"), default=dict)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["edition", "-version"]
        constraints = [models.UniqueConstraint(fields=["edition", "version"], name="publication_unique_version")]

    def __str__(self):
        return f"{self.edition} v{self.version}"


class PublishedResultQuerySet(models.QuerySet):
    def current(self):
        """Rows of each published edition's newest publication: what the public sees."""
        latest = Publication.objects.filter(edition=models.OuterRef("edition")).order_by("-version").values("pk")[:1]
        return self.filter(publication=models.Subquery(latest))


class PublishedResult(models.Model):
    """One entry's row in a publication: a frozen copy, so later edits never leak to the public."""

    publication = models.ForeignKey(
        Publication, verbose_name=_("publication"), on_delete=models.CASCADE, related_name="rows"
    )
    edition = models.ForeignKey(
        "events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="published_results"
    )
    category = models.ForeignKey(
        "events.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="published_results"
    )
    venue = models.ForeignKey(
        "events.Venue", verbose_name=_("venue"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry = models.ForeignKey(
        "submissions.Entry", verbose_name=_("entry"), on_delete=models.CASCADE, related_name="published_results"
    )
    enterprise = models.ForeignKey(
        "submissions.Enterprise", verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(_("entry code"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    group_name = models.CharField(_("group or team name"), max_length=200, blank=True)
    enterprise_name = models.CharField(_("applicant enterprise"), max_length=200)
    province = models.CharField(_("province"), max_length=20, blank=True)
    topic_type = models.CharField(_("topic type"), max_length=20, blank=True)
    venue_name = models.CharField(_("venue"), max_length=100, blank=True)
    final_score = models.DecimalField(_("final score"), max_digits=5, decimal_places=2, null=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    grade = models.CharField(_("grade"), max_length=50, blank=True)
    grade_position = models.PositiveSmallIntegerField(_("grade position"), null=True)
    protocol = models.JSONField(_("protocol"), default=dict)
    members = models.JSONField(_("members"), default=list)

    objects = PublishedResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("published result")
        verbose_name_plural = _("published results")
        ordering = ["publication", "category", "rank", "code"]
        constraints = [models.UniqueConstraint(fields=["publication", "entry"], name="published_row_one_per_entry")]
        indexes = [
            models.Index(fields=["publication", "category", "rank"]),
            models.Index(fields=["enterprise", "publication"]),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class AwardList(models.Model):
    """An award list file (.xlsx or .csv) generated by a task from an edition's results or one of its publications."""

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel workbook (.xlsx)")
        CSV = "csv", _("CSV (.csv)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    edition = models.ForeignKey(
        "events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="award_lists"
    )
    publication = models.ForeignKey(
        Publication,
        verbose_name=_("publication"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="award_lists",
        help_text=_("Empty: the provisional results at the time of the export."),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.XLSX)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(_("file"), upload_to="awards/%Y/", max_length=300, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("award list")
        verbose_name_plural = _("award lists")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.edition} {self.format} #{self.pk}"
