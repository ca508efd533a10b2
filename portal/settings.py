"""Settings for the QC Exchange Portal, read from the environment.

Nothing set gives the embedded mode: a SQLite file beside the code, Celery tasks run eagerly in the
web process, e-mail printed to the console. Every variable is documented in README.md.
A malformed value stops the process at start-up with a message naming the variable.
"""

import os
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    # Embedded mode only (DEBUG=true): a fixed development key. `manage.py check --deploy` reports it as insecure.
    SECRET_KEY = "django-insecure-embedded-mode-only-set-SECRET_KEY-in-production"
# With DEBUG off and no SECRET_KEY the key stays empty, never the public one above: commands that sign nothing
# (migrate, makemigrations, collectstatic) run, and the web application and the worker refuse to start
# (portal.startup.require_secret_key); anything that would sign with it fails (Django refuses an empty key).

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Whom to contact about the platform, shown at the foot of the pages that belong to no association (an
# association's pages show the contact its organisers set). Empty: not shown.
PORTAL_CONTACT_ORGANISATION = env_str("PORTAL_CONTACT_ORGANISATION")
PORTAL_CONTACT_NAME = env_str("PORTAL_CONTACT_NAME")
PORTAL_CONTACT_PHONE = env_str("PORTAL_CONTACT_PHONE")
PORTAL_CONTACT_EMAIL = env_str("PORTAL_CONTACT_EMAIL")
PORTAL_CONTACT_ADDRESS = env_str("PORTAL_CONTACT_ADDRESS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "rules.apps.AutodiscoverRulesConfig",
    "portal",
    "events",
    "submissions",
    "scoring",
    "results",
    "public",
    "demo",
]

MIDDLEWARE = [
    "portal.middleware.RequestBodyLimitMiddleware",  # first: refuses an oversized body before anything reads it
    "portal.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.sessions.SlidingSessionMiddleware",  # after the view: renews a logged-in session (SESSION_IDLE_HOURS)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"


def env_database(name: str, default: str, conn_max_age: int) -> dict:
    """The database of the URL in `name`; a URL that cannot be read names the variable (never its password)."""
    try:
        config = dj_database_url.parse(env_str(name, default) or default, conn_max_age=conn_max_age)
    except Exception as error:  # dj_database_url raises ValueError, KeyError, ... depending on the mistake
        raise ImproperlyConfigured(
            f"{name} is not a database URL ({type(error).__name__}: {error}); "
            "use e.g. postgres://user:password@host:5432/name"
        ) from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name} is not a database URL (no database engine for its scheme)")
    return config


DATABASES = {
    "default": env_database(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:landing"
LOGOUT_REDIRECT_URL = "public:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Log-in throttling (portal/throttle.py, counted in the database): at most LOGIN_MAX_FAILURES password checks
# per account and LOGIN_MAX_FAILURES_PER_ADDRESS per client address within LOGIN_LOCKOUT_SECONDS; the address
# limit is high enough that a hall of judges on one network never reaches it by mistake.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 100)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Sign-up and password-reset requests (same throttle): per client address and per target e-mail within
# SIGNUP_RESET_WINDOW_SECONDS; over either, the answer is 429 and nothing is created or sent.
SIGNUP_MAX_PER_ADDRESS = env_int("SIGNUP_MAX_PER_ADDRESS", 20)
SIGNUP_MAX_PER_EMAIL = env_int("SIGNUP_MAX_PER_EMAIL", 3)
PASSWORD_RESET_MAX_PER_ADDRESS = env_int("PASSWORD_RESET_MAX_PER_ADDRESS", 20)
PASSWORD_RESET_MAX_PER_EMAIL = env_int("PASSWORD_RESET_MAX_PER_EMAIL", 3)
SIGNUP_RESET_WINDOW_SECONDS = env_int("SIGNUP_RESET_WINDOW_SECONDS", 60 * 60)
# How long the link of an invitation to join an enterprise (submissions.Invitation) stays valid.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]


def env_time_zone(name: str, default: str) -> str:
    value = env_str(name, default) or default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={value!r} is not a time zone (use e.g. Asia/Shanghai)") from None
    return value


TIME_ZONE = env_time_zone("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Uploaded files are private: they are served only through views that check permission, never
# from a public URL, so there is no MEDIA_URL route.
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_bool("STATIC_MANIFEST", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
UPLOAD_MAX_MB = env_int("UPLOAD_MAX_MB", 50)
# An uploaded spreadsheet is parsed in a child process killed past this many seconds (keep it under gunicorn's
# --timeout) or this much memory on top of the child's own (portal.spreadsheets.parse_rows).
IMPORT_PARSE_SECONDS = env_int("IMPORT_PARSE_SECONDS", 60)
IMPORT_PARSE_MEMORY_MB = env_int("IMPORT_PARSE_MEMORY_MB", 512)
# A confirmed import of more rows than this is written by the worker while the page shows its progress.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 2000)
if IMPORT_PARSE_SECONDS < 1 or IMPORT_PARSE_MEMORY_MB < 1:
    raise ImproperlyConfigured("IMPORT_PARSE_SECONDS and IMPORT_PARSE_MEMORY_MB must be at least 1")

# The panel page and the live board flag a submitted total more than this many points from the entry's median.
SCORE_DEVIATION_FLAG = env_int("SCORE_DEVIATION_FLAG", 10)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Cache: Redis when REDIS_URL (or CELERY_BROKER_URL on redis) is set, local memory otherwise.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
if REDIS_URL:
    # Redis down is a cache miss, not a server error (portal.cache); give up on it after 2 seconds.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no broker configured, tasks run eagerly in the calling process.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "portal")
# Handing a task to a dead broker fails at once instead of retrying for seconds (the outbox, portal/outbox.py, keeps
# it until the broker is back), and no dispatch waits on the result backend: no task's result is read.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": env_int("BROKER_CONNECT_TIMEOUT", 1), "max_retries": 0}
CELERY_TASK_IGNORE_RESULT = True
# With the broker down a results run stays queued; the worker's beat (`celery worker --beat`) sends it again.
CELERY_BEAT_SCHEDULE = {
    # The worker's heartbeat, which GET /healthz reports (stale after 3 minutes without one).
    "worker-heartbeat": {"task": "portal.heartbeat", "schedule": 60.0},
    "dispatch-waiting-results-runs": {"task": "results.dispatch_waiting_runs", "schedule": 60.0},
    "catch-up-public-cache": {"task": "public.catch_up_cache", "schedule": 60.0},
    # E-mails and task requests that could not be handed over when they were made (portal/outbox.py).
    "send-outbox": {"task": "portal.send_outbox", "schedule": 60.0},
}
# A running results run without a sign of life for this long lost its worker (killed, the machine restarted): the
# sweep above fails it and queues another. A run reports at every step, seconds apart even on the largest edition.
RESULTS_RUN_STALE_SECONDS = env_int("RESULTS_RUN_STALE_SECONDS", 300)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if env_str("EMAIL_FILE_PATH"):  # the directory of EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "QC Exchange Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Production hardening: on whenever DEBUG is off, unless explicitly disabled for a plain-HTTP
# intranet install (SECURE_SSL=false).
SECURE_SSL = env_bool("SECURE_SSL", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_SSL_REDIRECT = SECURE_SSL and env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_SSL else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
# Behind a proxy (nginx in front of gunicorn on 127.0.0.1): trust its X-Forwarded-Proto, and take the client's
# address from the last X-Forwarded-For entry (the one the proxy added) for the log-in throttle.
BEHIND_PROXY = env_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A log-in lasts SESSION_IDLE_HOURS after the last request (portal.sessions renews it as the user works), so a
# judge who works all day is never logged out mid-sheet, and one who stops is logged out that many hours later.
SESSION_IDLE_HOURS = env_int("SESSION_IDLE_HOURS", 12)
if SESSION_IDLE_HOURS < 1:
    raise ImproperlyConfigured(f"SESSION_IDLE_HOURS={SESSION_IDLE_HOURS} must be at least 1")
if os.environ.get("SESSION_COOKIE_AGE"):
    raise ImproperlyConfigured("SESSION_COOKIE_AGE is no longer read: set SESSION_IDLE_HOURS (hours) instead")
SESSION_COOKIE_AGE = SESSION_IDLE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = False


def env_choice(name: str, default: str, choices: list[str]) -> str:
    raw = env_str(name, default) or default
    value = raw.strip().upper() if name == "LOG_LEVEL" else raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of {', '.join(choices)}")
    return value


# Every line carries its time, level, logger, request id and user id (portal.request_log); LOG_FORMAT=json writes
# one JSON object a line for a log collector.
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ["text", "json"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "portal.request_log.RequestContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s user=%(user_id)s] %(message)s"},
        "json": {"()": "portal.request_log.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_context"], "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.security.DisallowedHost": {"level": "ERROR"}},
}
