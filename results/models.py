from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from results import engine


class JobStatus(models.TextChoices):
    """Where a job of the worker stands (a results run, an award list). Only a results run is ever cancelled."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# A job in these states is still to be done: its worker has it, or will.
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class ExclusionReason(models.TextChoices):
    """Why a submitted sheet is not counted, as a protocol says it (DOMAIN.md section 5)."""

    NOT_ON_PANEL = "not_on_panel", _("not on the venue's panel")
    RECUSED = "recused", _("recused")
    OTHER_RUBRIC = "other_rubric", _("scored on another rubric")


class ProtocolFlag(models.TextChoices):
    """A protocol's flags: the entry has too few counted sheets to be ranked (set by the engine), or the sheets
    changed since the computation so that its score or counted sheets differ (set by results.protocols)."""

    BELOW_MIN_SHEETS = engine.BELOW_MIN_SHEETS, _("not ranked")
    CHANGED = "changed", _("The score sheets changed after this result was computed: compute the results again.")


class ResultRun(models.Model):
    """One computation of an edition's results, started by an organiser or by a venue's sign-off."""

    Status = JobStatus

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
    # Set when the run starts and at each step of it (results.computation): a running run whose heartbeat is
    # older than RESULTS_RUN_STALE_SECONDS lost its worker, and the sweep fails it and queues another.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("results run")
        verbose_name_plural = _("results runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.edition} #{self.pk} ({self.status})"


class Result(models.Model):
    """An entry's computed result: final score, rank in its scope, grade. The protocol behind them is built from
    the sheets when it is shown or published (results.protocols)."""

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
    # A digest of the rows as published (results.publication.content_fingerprint): publishing the same content
    # again is refused, so concurrent clicks make one version.
    content_fingerprint = models.CharField(_("content's fingerprint"), max_length=64, blank=True)
    snapshot = models.JSONField(_("snapshot"), default=dict)
    # The notice the award list is issued under (DOMAIN.md section 7), printed in the award list's header.
    document_number = models.CharField(
        _("document number"), max_length=100, blank=True, help_text=_("As on the notice, e.g. 中机质协〔2021〕25号.")
    )
    document_date = models.DateField(_("document date"), null=True, blank=True)

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
        PDF = "pdf", _("PDF (.pdf)")

    Status = JobStatus

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
    # With awarded_only the award list as the association issues it (获奖名单, also what the public downloads):
    # the graded entries by category, grade and rank. Without, the full ranking of every entry (全部成果排名), for
    # the organisers.
    awarded_only = models.BooleanField(
        _("awarded entries only"),
        default=False,
        help_text=_("The list the public downloads: only the graded entries of the publication."),
    )
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


class PlenaryEntry(models.Model):
    """An entry the organisers chose to present again at the closing session (大会交流), in running order. The
    public edition page lists those whose results are published (public.queries.plenary_rows)."""

    edition = models.ForeignKey(
        "events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="plenary_entries"
    )
    entry = models.OneToOneField(
        "submissions.Entry", verbose_name=_("entry"), on_delete=models.CASCADE, related_name="plenary"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chosen by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    chosen_at = models.DateTimeField(_("chosen"), auto_now_add=True)

    class Meta:
        verbose_name = _("plenary entry")
        verbose_name_plural = _("plenary entries")
        ordering = ["edition", "position"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "position"], name="plenary_unique_position"),
        ]

    def __str__(self):
        return f"{self.edition_id} {self.position}. {self.entry_id}"


DEFAULT_WORDING = (
    "{enterprise}{group}：\n你们的成果《{title}》在{edition}中荣获{category}{grade}。\n特发此证，以资鼓励。"
)
DEFAULT_NUMBER_PATTERN = "〔{year}〕{category_code}-{n:04d}"


class CertificateTemplate(models.Model):
    """How an edition's certificates (荣誉证书) read and look: the wording with placeholders (results.certificates
    lists them), the issuing body, a background and a seal image, the number scheme, and whether each group member
    gets a certificate of its own besides the group's."""

    edition = models.OneToOneField(
        "events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="certificate_template"
    )
    heading = models.CharField(_("heading"), max_length=50, default="荣誉证书")
    wording = models.TextField(_("wording"), max_length=2000, default=DEFAULT_WORDING)
    member_wording = models.TextField(
        _("wording of a member's certificate"),
        max_length=2000,
        blank=True,
        help_text=_("Empty: the group's wording, with the member's name before it."),
    )
    issuing_body = models.CharField(_("issuing body"), max_length=200, blank=True)
    issued_on = models.DateField(
        _("date printed"), null=True, blank=True, help_text=_("Empty: the day of the publication.")
    )
    number_pattern = models.CharField(_("certificate number scheme"), max_length=100, default=DEFAULT_NUMBER_PATTERN)
    per_member = models.BooleanField(_("a certificate for each group member too"), default=False)
    background = models.FileField(_("background image"), upload_to="certificates/images/%Y/", blank=True)
    seal = models.FileField(_("seal or signature image"), upload_to="certificates/images/%Y/", blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")

    def __str__(self):
        return f"{self.edition}"


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(superseded_at__isnull=True)


class Certificate(models.Model):
    """A certificate issued for an awarded entry of a publication (or for one member of its group). Its number
    and code stay across later publications while its grade stays; a publication that changes the grade (or no
    longer awards the entry) marks it superseded, by the certificate issued instead when there is one."""

    edition = models.ForeignKey(
        "events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="certificates"
    )
    category = models.ForeignKey(
        "events.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="certificates"
    )
    entry = models.ForeignKey(
        "submissions.Entry", verbose_name=_("entry"), on_delete=models.CASCADE, related_name="certificates"
    )
    publication = models.ForeignKey(
        Publication, verbose_name=_("publication"), on_delete=models.CASCADE, related_name="certificates"
    )
    member_name = models.CharField(_("member"), max_length=100, blank=True)
    sequence = models.PositiveIntegerField(_("sequence number"))
    number = models.CharField(_("certificate number"), max_length=120)
    code = models.CharField(_("verification code"), max_length=12, unique=True)
    grade = models.CharField(_("grade"), max_length=50)
    # What the certificate states, frozen when it is issued.
    title = models.CharField(_("title"), max_length=200)
    group_name = models.CharField(_("group or team name"), max_length=200, blank=True)
    enterprise_name = models.CharField(_("applicant enterprise"), max_length=200)
    category_name = models.CharField(_("category name"), max_length=100)
    edition_name = models.CharField(_("edition name"), max_length=200)
    issued_on = models.DateField(_("date printed"))
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", verbose_name=_("superseded by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["category", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["category", "sequence"], name="certificate_unique_sequence"),
            models.UniqueConstraint(
                fields=["entry", "member_name"],
                condition=models.Q(superseded_at__isnull=True),
                name="certificate_one_valid_per_holder",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_valid(self) -> bool:
        return self.superseded_at is None


class CertificateRun(models.Model):
    """The certificates of a publication issued and printed in the worker: one zip per category (the category's
    certificates in one PDF, a page each, and their list as CSV)."""

    Status = JobStatus

    edition = models.ForeignKey(
        "events.Edition", verbose_name=_("edition"), on_delete=models.CASCADE, related_name="certificate_runs"
    )
    publication = models.ForeignKey(
        Publication, verbose_name=_("publication"), on_delete=models.CASCADE, related_name="certificate_runs"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    certificates = models.PositiveIntegerField(_("certificates"), default=0)
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
        verbose_name = _("certificate run")
        verbose_name_plural = _("certificate runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.edition} v{self.publication.version} #{self.pk} ({self.status})"


class CertificateArchive(models.Model):
    """A category's certificates of a run, as the zip an organiser downloads."""

    run = models.ForeignKey(
        CertificateRun, verbose_name=_("certificate run"), on_delete=models.CASCADE, related_name="archives"
    )
    category = models.ForeignKey(
        "events.Category", verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(_("file"), upload_to="certificates/%Y/", max_length=300)
    certificates = models.PositiveIntegerField(_("certificates"), default=0)

    class Meta:
        verbose_name = _("certificate archive")
        verbose_name_plural = _("certificate archives")
        ordering = ["run", "category__position", "category_id"]
        constraints = [models.UniqueConstraint(fields=["run", "category"], name="certificate_archive_one_per_category")]

    def __str__(self):
        return self.file.name
