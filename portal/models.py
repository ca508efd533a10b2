from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", User.Role.ORGANISER)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address. The role says which side of the portal is theirs; the
    enterprise or recommending unit they belong to is their membership (submissions.Membership)."""

    class Role(models.TextChoices):
        ORGANISER = "organiser", _("Organiser")
        ENTERPRISE = "enterprise", _("Enterprise user")
        RECOMMENDER = "recommender", _("Recommending unit")
        JUDGE = "judge", _("Judge")

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ENTERPRISE)
    organisation = models.CharField(
        _("organisation"),
        max_length=200,
        blank=True,
        help_text=_("For judges: the organisation they work for (used for recusal)."),
    )
    title = models.CharField(_("title or post"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name or self.email

    @property
    def is_organiser(self):
        return self.is_active and (self.role == self.Role.ORGANISER or self.is_superuser)

    @property
    def is_enterprise_user(self):
        return self.role == self.Role.ENTERPRISE

    @property
    def is_judge(self):
        return self.role == self.Role.JUDGE

    @property
    def is_recommender(self):
        return self.role == self.Role.RECOMMENDER


class LoginAttempt(models.Model):
    """One log-in attempt counted by the throttle (portal/throttle.py): a row per password check, keyed on the
    account (or the normalised text of an e-mail that matches no account) and, in a second row, on the client's
    address. Kept in the database, not the cache, so the throttle holds while Redis is down; rows older than
    LOGIN_LOCKOUT_SECONDS no longer count and are deleted by the next attempt."""

    key = models.CharField(max_length=100)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="portal_loginattempt_key_at")]

    def __str__(self):
        return f"{self.key} @ {self.at:%Y-%m-%d %H:%M:%S}"


class OutboxMessageQuerySet(models.QuerySet):
    def waiting(self):
        """Not sent yet: an e-mail no SMTP server has accepted, a task request the broker does not have."""
        return self.filter(sent_at__isnull=True)

    def due(self, now=None):
        """Waiting and due for a (new) attempt."""
        return self.waiting().filter(next_attempt_at__lte=now or timezone.now())


class OutboxMessage(models.Model):
    """An e-mail or a task request, written in the transaction of the change that causes it and kept until it is
    delivered (portal/outbox.py): a rollback drops it, a commit keeps it, an outage of the broker delays it.

    payload: for an e-mail {"to": [...], "subject": ..., "body": ...} (rendered in the recipient's language); for a
    task {"task": "results.compute", "args": [...]}."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("e-mail")
        TASK = "task", _("task")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # The earliest time a drain tries it (again): later after each failure, and for an e-mail handed to the worker,
    # once the worker has had the time to send it.
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(sent_at__isnull=True), name="portal_outbox_waiting"
            )
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["email", "task"]), name="portal_outbox_kind_known")
        ]

    def __str__(self):
        what = self.payload.get("subject") if self.kind == self.Kind.EMAIL else self.payload.get("task")
        return f"{self.get_kind_display()} #{self.pk}: {what}"
