from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events import audit
from events.models import POINTS_STEP


class ScoreSheetQuerySet(models.QuerySet):
    def with_input(self):
        """The sheets a judge has put something on: points, a comment, or a submission (now or before a reopen).

        An empty draft (opened, nothing typed, never submitted) is not judging: it blocks no move of its entry, no
        revision of its format review, no panel or rubric change. Every "is it judged" question asks this."""
        points = CriterionScore.objects.filter(sheet=OuterRef("pk"))
        return self.filter(
            Q(status=ScoreSheet.Status.SUBMITTED) | Q(submitted_at__isnull=False) | ~Q(comment="") | Exists(points)
        )

    def empty_drafts(self):
        """The sheets ``with_input`` leaves out: opened, nothing on them, never submitted."""
        return self.exclude(pk__in=self.with_input().values("pk"))

    def points_sum(self):
        """An expression: the sheet's criterion points summed (0.0 with none), what `total` must equal. Rounded to
        the points' places: SQLite sums decimals as binary floats (93 came out 92.99999999999999, unequal to the
        total, which was then "corrected" to the float); on PostgreSQL the rounding changes nothing."""
        places = -POINTS_STEP.as_tuple().exponent
        sums = (
            CriterionScore.objects.filter(sheet=OuterRef("pk"))
            .order_by()
            .values("sheet")
            .annotate(s=Round(Sum("points"), places))
        )
        return Coalesce(
            Subquery(sums.values("s")),
            Value(Decimal(0).quantize(POINTS_STEP)),
            output_field=models.DecimalField(max_digits=5, decimal_places=places),
        )

    def refresh_totals(self) -> int:
        """Set each sheet's total to the sum of its criterion points where it differs; returns how many differed.

        Every path that writes points keeps the total (scoring.sheets.store_points and those that bulk-insert);
        this puts right one that did not, and is what the publication checks with (results.publication)."""
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
    """A judge who does not score an entry (回避): automatic by organisation, or declared.

    `source` says where it came from. An automatic recusal found in text the entrant typed (its completing units,
    its enterprise group) is marked so: an entrant could name a judge's employer to force the judge out, and the
    organiser reviews it (and may lift it, audited)."""

    class Source(models.TextChoices):
        ENTERPRISE = "enterprise", _("Automatic: the judge's enterprise or organisation")
        ENTRANT_TEXT = "entrant_text", _("Automatic: text the entrant supplied")
        JUDGE = "judge", _("Declared by the judge")
        ORGANISER = "organiser", _("Declared by an organiser")

    AUTOMATIC_SOURCES = (Source.ENTERPRISE, Source.ENTRANT_TEXT)

    entry = models.ForeignKey(
        "submissions.Entry", verbose_name=_("entry"), on_delete=models.CASCADE, related_name="recusals"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="recusals"
    )
    automatic = models.BooleanField(_("automatic"), default=False)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.JUDGE)
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
        constraints = [
            models.UniqueConstraint(fields=["entry", "judge"], name="recusal_one_per_judge_and_entry"),
            models.CheckConstraint(
                condition=models.Q(automatic=True, source__in=["enterprise", "entrant_text"])
                | models.Q(automatic=False, source__in=["judge", "organiser"]),
                name="recusal_source_matches_automatic",
            ),
        ]

    def __str__(self):
        return f"{self.judge} / {self.entry}"

    @property
    def is_active(self):
        return self.lifted_at is None

    @property
    def from_entrant_text(self):
        return self.source == self.Source.ENTRANT_TEXT


class SheetAudit(models.Model):
    """Every change to a score sheet: who, when, old and new values, why."""

    class Action(models.TextChoices):
        DRAFT = "draft", _("draft saved")
        SUBMIT = "submit", pgettext_lazy("audit action", "submitted")
        REOPEN = "reopen", _("reopened")
        RECUSED = "recused", _("judge recused")
        VENUE_REOPENED = "venue_reopened", _("venue reopened")
        IMPORT = "import", _("imported from a paper sheet")

    sheet = models.ForeignKey(ScoreSheet, verbose_name=_("score sheet"), on_delete=models.CASCADE, related_name="audit")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    old_values = models.JSONField(_("old values"), default=dict, blank=True)
    new_values = models.JSONField(_("new values"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("sheet change")
        verbose_name_plural = _("sheet changes")
        ordering = ["sheet", "at", "id"]

    def __str__(self):
        return f"{self.sheet}: {self.action}"

    @property
    def change_text(self) -> str:
        """The change in words, as the organiser's audit page says it (events.audit.describe)."""
        return audit.describe(self.old_values, self.new_values, statuses=dict(ScoreSheet.Status.choices))


class JudgeProfile(models.Model):
    """What the association keeps on a judge beyond the account (portal.User holds name, e-mail, phone, employer
    and title): the employer's credit code where known (recusals match on it), the speciality, and the invitation
    last sent. The judge has accepted once the account has a password (set through the invitation's link)."""

    judge = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.CASCADE, related_name="judge_profile"
    )
    employer_credit_code = models.CharField(_("employer's credit code"), max_length=18, blank=True)
    speciality = models.CharField(_("speciality"), max_length=200, blank=True)
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("judge profile")
        verbose_name_plural = _("judge profiles")
        ordering = ["judge__full_name"]

    def __str__(self):
        return str(self.judge)


class Declaration(models.Model):
    """A judge's declaration for one edition, confirmed before the first score sheet (保密承诺): no conflict of
    interest beyond those declared here, and the reports and scores kept confidential."""

    edition = models.ForeignKey(
        "events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="declarations"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT, related_name="declarations"
    )
    conflicts = models.TextField(_("conflicts of interest declared"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), auto_now_add=True)

    class Meta:
        verbose_name = _("judge's declaration")
        verbose_name_plural = _("judges' declarations")
        ordering = ["edition", "confirmed_at"]
        constraints = [models.UniqueConstraint(fields=["edition", "judge"], name="declaration_one_per_judge")]

    def __str__(self):
        return f"{self.judge} / {self.edition_id}"
