"""Settings for Collections Workbench, read from the environment.

Nothing set means a local demo: SQLite in the project folder and Celery running tasks in-process.
``DATABASE_URL`` switches to PostgreSQL and ``CELERY_BROKER_URL`` to Redis with a real worker.
Secrets come only from the environment; ``DJANGO_DEBUG=0`` turns on the production hardening.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config import pii
from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's assets, served from the app (no CDN)
    "django_celery_beat",
    "django_htmx",
    "axes",
    "accounts",
    "collections_app",
    "scheduling",
    # After the project's apps: scheduling's runserver (staticfiles' own, plus the embedded
    # scheduler) takes precedence over staticfiles' (an earlier app's command wins).
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "config.middleware.RequestLogMiddleware",  # first: times the whole request, sets X-Request-ID
    "config.middleware.ApiContentSecurityPolicyMiddleware",  # the API and its docs load nothing from elsewhere
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.BrowserZoneMiddleware",  # the browser's zone shows the user's own times
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 30}
else:
    # The hot paths' statements (config/roundtrips.py) are prepared by psycopg after this many
    # executions on a connection; Django's own queries bind on the client and are never prepared.
    # "off" behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode
    # before 1.21, without max_prepared_statements).
    _threshold = env_str("DATABASE_PREPARE_THRESHOLD", "2").strip().lower()
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        None if _threshold in ("", "off", "none") else int(_threshold)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username+address pair after repeated failures, and an address
# after many over any usernames (config/lockout.py).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"  # answered with HTTP 429
# Behind a load balancer: the client's address from X-Forwarded-For, this many proxies deep (0: none).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "config.lockout.client_address"
# One address failing this often over any usernames is locked too (a call centre shares one address).
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 50)
AXES_HANDLER = "config.lockout.LockoutHandler"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# The calendar of the book: business dates (COB dates, due dates) are days in this zone.
BOOK_TIME_ZONE = env_str("BOOK_TIME_ZONE", "UTC")
# How often the leads' "Today, live" board asks for fresh figures (seconds).
TODAY_REFRESH_SECONDS = env_int("TODAY_REFRESH_SECONDS", 30)

# Book imports arrive as one JSON batch: allow batches of tens of thousands of loans.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 64 * 1024 * 1024)
# A loan tape larger than this is loaded in the background (202 and a job to poll), not within the request.
BOOK_IMPORT_JOB_BYTES = env_int("BOOK_IMPORT_JOB_BYTES", 4 * 1024 * 1024)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Hashing national ids: a keyed hash so equal ids can be matched without storing them.
PII_HASH_KEY = env_str("PII_HASH_KEY", SECRET_KEY)
# Personal fields at rest (config/pii.py, DESIGN.md 18): the AES-256-GCM key ring, "id:base64,..." with
# the current key first, and the key of the blind indexes (national ids, e-mails, name words), which
# is PII_HASH_KEY's value unless set (national ids hashed before keep matching).
PII_ENCRYPTION_KEYS = env_str("PII_ENCRYPTION_KEYS")
if not PII_ENCRYPTION_KEYS:
    if not DEBUG:
        raise RuntimeError("PII_ENCRYPTION_KEYS must be set when DJANGO_DEBUG=0")
    PII_ENCRYPTION_KEYS = pii.DEVELOPMENT_KEYS
pii.parse_keys(PII_ENCRYPTION_KEYS)  # a malformed ring stops the start, not the first read
PII_INDEX_KEY = env_str("PII_INDEX_KEY", PII_HASH_KEY)

REST_FRAMEWORK = {
    # Integration tokens (Authorization: Token|Bearer ...) first: DRF takes the WWW-Authenticate challenge
    # from the first class, so a missing, wrong or revoked token is 401 on every endpoint (not 403). Then
    # staff sessions.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "collections_app.api.dialer.auth.IntegrationTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Per-token rate limits (integrations only; sessions are not counted).
    "DEFAULT_THROTTLE_CLASSES": ["collections_app.api.dialer.throttles.IntegrationRateThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, with JSON nested too deeply for Python answered 400 rather than 500.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.Cursor",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Collections Workbench API",
    "DESCRIPTION": "Dialer integration and core-system API (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are for callers who hold credentials (any session, any integration token);
    # the docs page sends an anonymous visitor to the login page (config.urls).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name with another endpoint's get a name of their own.
    "ENUM_NAME_OVERRIDES": {
        "ComplaintChannelEnum": "collections_app.models.complaints.Complaint.Channel",
        "DisputeOutcomeEnum": "collections_app.api.disputes.DISPUTE_OUTCOMES",
        "ChannelEnum": "accounts.models.Payment.Channel",
        "OutcomeEnum": ["not_dialed"],
        "ReasonCodeEnum": "collections_app.api.dialer.decisions.REASON_CODES",
        "AttemptStatusEnum": "collections_app.models.ContactAttempt.Status",
        "EffectEnum": "collections_app.api.dialer.serializers.EFFECTS",
        "MessageStatusEnum": "collections_app.models.Message.Status",
        "MessageChannelEnum": "collections_app.api.messages.CHANNELS",
        "MessageTemplateChannelEnum": "collections_app.models.MessageTemplate.Channel",
        "ErrorCodeEnum": "config.api.ERROR_CODES",
    },
}

# Celery: no broker configured means tasks run in-process, eagerly.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or "") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# A nightly close in a worker is split into account-id ranges of this many ids (a Celery chord)
# when the book spans more than one.
COB_RANGE_ACCOUNTS = env_int("COB_RANGE_ACCOUNTS", 250_000)
# Redis: a task taken by a worker that died before acknowledging it (tasks ack late) goes back to
# the queue this many seconds after it was taken. Keep it above the longest task (COB of the whole
# book), or a running task is handed to a second worker as well.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
# The nightly close retried when the database was unreachable: after this many seconds, then twice
# and four times as many (three retries).
NIGHTLY_CLOSE_RETRY_SECONDS = env_int("NIGHTLY_CLOSE_RETRY_SECONDS", 60)
# The plan's messages (the beat's strategy-sends, every 5 minutes): this many dispatch tasks at once, each
# until no send is due or this many seconds have passed (below the beat's interval).
PLAN_SENDS_DISPATCHERS = env_int("PLAN_SENDS_DISPATCHERS", 2)
PLAN_SENDS_BUDGET_SECONDS = env_int("PLAN_SENDS_BUDGET_SECONDS", 240)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Without a broker, `manage.py runserver` runs the beat schedule in a thread of its own
# (scheduling.embedded), so that a demo lives with nothing else installed.
EMBEDDED_SCHEDULER = env_bool("EMBEDDED_SCHEDULER", not CELERY_BROKER_URL)

# Messaging (DESIGN.md 15): the providers behind one interface, chosen like Django's e-mail backends
# (dotted paths of collections_app.services.message_providers classes, or a class of your own).
MESSAGING_SMS_PROVIDER = env_str(
    "MESSAGING_SMS_PROVIDER", "collections_app.services.message_providers.ConsoleProvider"
)
MESSAGING_EMAIL_PROVIDER = env_str(
    "MESSAGING_EMAIL_PROVIDER", "collections_app.services.message_providers.ConsoleProvider"
)
# FileProvider: one JSON line per message in this file.
MESSAGING_FILE_PATH = env_str("MESSAGING_FILE_PATH", str(BASE_DIR / "var" / "messages.jsonl"))
# DjangoEmailProvider: Django's e-mail (EMAIL_HOST, EMAIL_PORT, ... for SMTP); its own backend if set.
MESSAGING_EMAIL_BACKEND = env_str("MESSAGING_EMAIL_BACKEND")
MESSAGING_EMAIL_FROM = env_str("MESSAGING_EMAIL_FROM")
# TwilioSmsProvider: the Twilio-compatible API (POST {URL}/2010-04-01/Accounts/{SID}/Messages.json).
MESSAGING_SMS_API_URL = env_str("MESSAGING_SMS_API_URL", "https://api.twilio.com")
MESSAGING_SMS_ACCOUNT_SID = env_str("MESSAGING_SMS_ACCOUNT_SID")
MESSAGING_SMS_AUTH_TOKEN = env_str("MESSAGING_SMS_AUTH_TOKEN")  # also the key of the callbacks' signature
MESSAGING_SMS_FROM = env_str("MESSAGING_SMS_FROM")  # E.164 sender, or a messaging service SID (MG...)
# The {integration} of the callback URLs /api/v1/integrations/sms/{integration}/status/ and .../inbound/.
MESSAGING_SMS_INTEGRATION = env_str("MESSAGING_SMS_INTEGRATION", "twilio")
# The public base URL the provider calls back (https://cw.example.com): it is what the provider signs.
# Empty: no status callback is asked for, and a callback's URL is the one the request arrived on.
MESSAGING_CALLBACK_BASE_URL = env_str("MESSAGING_CALLBACK_BASE_URL").rstrip("/")
MESSAGING_PROVIDER_TIMEOUT_SECONDS = env_int("MESSAGING_PROVIDER_TIMEOUT_SECONDS", 10)
# Sending: a provider error is retried this many times, MESSAGING_RETRY_SECONDS later, then twice
# and four times as long...; after the last retry the message is failed with the reason.
MESSAGING_SEND_MAX_RETRIES = env_int("MESSAGING_SEND_MAX_RETRIES", 5)
MESSAGING_RETRY_SECONDS = env_int("MESSAGING_RETRY_SECONDS", 30)
# Messages per second handed to each provider, shared by every worker through the cache (0: no limit).
MESSAGING_SMS_RATE_PER_SECOND = env_int("MESSAGING_SMS_RATE_PER_SECOND", 50)
MESSAGING_EMAIL_RATE_PER_SECOND = env_int("MESSAGING_EMAIL_RATE_PER_SECOND", 20)
# The batch sender's concurrent calls to the HTTP SMS provider (each over its own kept-alive connection).
MESSAGING_SMS_CONCURRENCY = env_int("MESSAGING_SMS_CONCURRENCY", 8)

# The default cache holds the integrations' rate-limit counters and the worker heartbeat: on Redis
# (CACHE_URL, else a Redis broker's URL) every web process shares them; "locmem://" or no Redis
# at all means a private cache in each process.
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
CACHE_URL = env_str("CACHE_URL") or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(REDIS_SCHEMES) else "")
if CACHE_URL.startswith(REDIS_SCHEMES):
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",  # Django's, with one client per pool
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "cw",
            # A Redis that does not answer must not hold a request up (rate limits let it pass).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# After a Redis cache failure, this process leaves the cache alone this long (config/cache.py).
CACHE_BREAKER_SECONDS = env_int("CACHE_BREAKER_SECONDS", 30)

# JSON lines on stderr in production, plain text in development; personal data is redacted in both.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # load balancers probe over plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_HTTPONLY = True
