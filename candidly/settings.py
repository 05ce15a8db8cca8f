"""Candidly settings: every value that differs between the demo and production comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from candidly.lib.env import (
    env_bool,
    env_database,
    env_domain,
    env_email,
    env_email_address,
    env_hosts,
    env_int,
    env_is_set,
    env_networks,
    env_origins,
    env_str,
    env_time_zone,
    env_token,
    env_url,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CANDIDLY_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key("SECRET_KEY", VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_hosts("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CANDIDLY_BASE_URL = env_url("CANDIDLY_BASE_URL", "http://127.0.0.1:8000", schemes={"http", "https"})
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS", [CANDIDLY_BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "anymail",
    "ninja",
    "candidly.accounts",
    "candidly.people",
    "candidly.hiring",
    "candidly.followups",
    "candidly.messaging",
    "candidly.timeline",
    "candidly.reports",
    "candidly.privacy",
    "candidly.dataio",
    "candidly.webhooks",
]

MIDDLEWARE = [
    # First, so the request latency it records for /metrics covers every other middleware too.
    "candidly.lib.metrics.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads the form: an oversized body to a public page is refused unread (413).
    "candidly.accounts.middleware.PublicBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "candidly.accounts.middleware.ViewerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes must come last: it turns a lockout signal into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "candidly.urls"
WSGI_APPLICATION = "candidly.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "candidly.followups.context_processors.delivery_banner",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'candidly.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web app and the worker share the embedded database.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
# The worker's hand-off statement is prepared on the PostgreSQL server (parsed and planned once per
# connection: lib.db.prepared_cursor). 0 behind a connection pooler in transaction mode.
CANDIDLY_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "candidly.accounts.backends.AdminRoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "hiring:today"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login lockout: a finite cool-off so a forgotten password never locks a recruiter out for good.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Password spraying: this many failures from one address, whatever the usernames, lock that address out.
AXES_HANDLER = "candidly.accounts.security.ClientLockoutHandler"
CANDIDLY_LOGIN_CLIENT_FAILURE_LIMIT = env_int("AXES_CLIENT_FAILURE_LIMIT", 20, minimum=1)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "candidly.accounts.views.locked_out"
AXES_VERBOSE = False
# Retrying while locked must not extend the lock, or a confused recruiter would never get back in.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "candidly.accounts.security.client_ip"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
CANDIDLY_DEFAULT_TIME_ZONE = env_time_zone("CANDIDLY_DEFAULT_TIME_ZONE", "Europe/London")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Email: the demo delivers into the in-app inbox; production sets EMAIL_URL=smtp://…
globals().update(env_email("EMAIL_URL", "inbox://"))
# The demo is DEBUG, or the embedded SQLite database (DATABASE_URL unset). The in-app inbox belongs to the
# demo only: `manage.py check --deploy` fails with it anywhere else (candidly.messaging.checks).
CANDIDLY_DEMO = DEBUG or not env_is_set("DATABASE_URL")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_email_address("DEFAULT_FROM_EMAIL", "Candidly <candidly@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
CANDIDLY_REPLY_DOMAIN = env_domain("CANDIDLY_REPLY_DOMAIN", "replies.localhost")
ANYMAIL = {"WEBHOOK_SECRET": env_str("ANYMAIL_WEBHOOK_SECRET", "")}
# The one provider whose inbound webhook (/anymail/<provider>/inbound/) exists; every other name is a 404.
CANDIDLY_INBOUND_PROVIDER = env_str("CANDIDLY_INBOUND_PROVIDER", "postmark")

# Security headers. Secure cookies follow the base URL so the plain-http demo still logs in.
_HTTPS = CANDIDLY_BASE_URL.startswith("https://")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _HTTPS else 0, minimum=0)
CANDIDLY_BEHIND_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if CANDIDLY_BEHIND_PROXY else None

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# REST API: requests per API key per minute, counted in the database (shared by every process).
CANDIDLY_API_RATE_LIMIT = env_int("CANDIDLY_API_RATE_LIMIT", 120, minimum=1)
# The API docs page (/api/v1/docs) serves django-ninja's own Swagger UI files: no CDN, nothing inline.
NINJA_PAGINATION_MAX_LIMIT = 100

# Public links (signed, purpose-bound) live this many days unless a purpose says otherwise.
CANDIDLY_LINK_MAX_AGE_DAYS = env_int("CANDIDLY_LINK_MAX_AGE_DAYS", 30, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Link and password-reset tokens never reach a log ("Not Found: /l/feedback/<token>/" included).
    "filters": {"no_tokens": {"()": "candidly.access_log.TokenFreeFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["no_tokens"]}
    },
    "root": {
        "handlers": ["console"],
        "level": env_str("LOG_LEVEL", "INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
    },
    "loggers": {"axes": {"level": "WARNING"}},
}

# The worker (followups): a temporary delivery failure is retried after 1, 2, 4 … minutes (doubling
# from the base, capped); after this many attempts the touchpoint is failed, with a task for the recruiter.
CANDIDLY_WORKER_MAX_ATTEMPTS = env_int("CANDIDLY_WORKER_MAX_ATTEMPTS", 6, minimum=1)
CANDIDLY_RETRY_BASE_SECONDS = env_int("CANDIDLY_RETRY_BASE_SECONDS", 60, minimum=1)
CANDIDLY_RETRY_MAX_SECONDS = env_int("CANDIDLY_RETRY_MAX_SECONDS", 3600, minimum=1)
# Senders per worker process (threads, each claiming its own batches: followups.senders); SQLite keeps one.
CANDIDLY_WORKER_SENDERS = env_int("CANDIDLY_WORKER_SENDERS", 3, minimum=1)

# Data protection (candidly.privacy, README "Data protection"): what the law makes the agency keep after it
# erases a person, and for how many years. Only "placements" exists (name, role, company and date, for the
# invoice); 0 keeps nothing.
CANDIDLY_KEPT_BY_LAW = {"placements": env_int("CANDIDLY_KEEP_PLACEMENTS_YEARS", 7, minimum=0)}

# SMS: empty sends none (recorded as not sent); "twilio" needs the twilio package and the TWILIO_* values.
CANDIDLY_SMS_PROVIDER = env_str("CANDIDLY_SMS_PROVIDER", "")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")

# Operating (README "Operating"): /metrics answers only a bearer token or an allowed address; off (404) when
# neither is set. /healthz needs neither. The latency histogram is per process unless PROMETHEUS_MULTIPROC_DIR
# names a folder the web processes share (prometheus-client reads it at import; it must exist and be emptied
# when the app starts).
CANDIDLY_METRICS_TOKEN = env_token("CANDIDLY_METRICS_TOKEN")
CANDIDLY_METRICS_ALLOW = env_networks("CANDIDLY_METRICS_ALLOW", [])
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")
if PROMETHEUS_MULTIPROC_DIR and not Path(PROMETHEUS_MULTIPROC_DIR).is_dir():
    # Else every request would fail when the middleware writes its first observation there.
    raise ImproperlyConfigured(
        f"PROMETHEUS_MULTIPROC_DIR must be an existing folder, got {PROMETHEUS_MULTIPROC_DIR!r}"
    )
