"""One settings file, driven by the environment (django-environ).

DATABASE_URL: PostgreSQL to use; without it an embedded PostgreSQL starts under var/.
REDIS_URL: Celery broker; without it kombu's filesystem transport under var/broker.
"""
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Secret key, and the personal-data key ring (config/keys.py): refused in production when missing or a default.
from config.keys import load_keys, manage_command  # noqa: E402
SECRET_KEY, PII_KEYS = load_keys(env, debug=DEBUG, var_dir=VAR_DIR, command=manage_command())
# --- Keys (issue 8 §1, §4) ---
# Environment: DJANGO_SECRET_KEY; PII_KEYS = "id:key,…" newest first (the first encrypts, all decrypt)
# or its one-key shorthand PII_KEY (= "1:<key>"). Required in production (DATABASE_URL set, DEBUG off);
# PII never falls back to the secret key; `make run` (embedded database) generates both once under var/.
# pg_dump/pg_restore for `manage.py backup` / `restore`: a directory holding them; empty picks the newest found.
PG_BIN_DIR = env("PG_BIN_DIR", default="")
# Where `manage.py backup` writes when no --output is given.
BACKUP_DIR = Path(env("BACKUP_DIR", default=str(VAR_DIR / "backups")))
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks); the security log records the
# client address they report. Empty: the peer address is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Security log (accounts.SecurityEvent): rows older than this are deleted by the daily retention job.
# 网络安全法 Art. 21 asks for at least six months; the database refuses to delete younger rows anyway.
SECURITY_LOG_RETENTION_DAYS = max(env.int("SECURITY_LOG_RETENTION_DAYS", default=180), 180)

INSTALLED_APPS = [
    # the admin site for superusers only (accounts/admin_site.py): it reads every table unscoped
    "accounts.admin_apps.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",  # without pghistory.admin: the audit trail is read through each record's scoped history action
    "health_check",
    "core",
    "accounts",
    "zones",
    "villages",
    "members",
    "notifications",
    "visits",
    "mediation",
    "organization",
    "reports",
    "ledgers",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.DatabaseFaultsMiddleware",  # web statements' time limits; database faults → 503
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.LoginRequirementsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "accounts.audit.ForbiddenLogMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],  # every app owns <app>/templates/<app>/; the shell (base.html, error pages) is core's
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.menu.menu_context",
            ],
        },
    },
]

# --- Database: PostgreSQL only -------------------------------------------------
EMBEDDED_DATABASE = "DATABASE_URL" not in env  # started here, under var/pgdata
if not EMBEDDED_DATABASE:
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from core.embedded import embedded_database_url

    DATABASES = {"default": env.db_url_config(embedded_database_url(VAR_DIR))}
if "DATABASE_NAME" in env:  # e.g. a worker started by a test against the test database
    DATABASES["default"]["NAME"] = env("DATABASE_NAME")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# core.sql.CompiledQuery prepares its statements on the server once per connection; turn off behind a
# connection pooler in transaction mode (pgbouncer pool_mode = transaction).
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
# the scope of a user, for the page base classes and the sidebar in core (which imports no domain app)
PLATFORM_USER_SCOPE = "accounts.scoping.user_scope"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]  # Chinese only, whatever the browser asks for (LocaleMiddleware)
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# every app owns <app>/static/<app>/; static/ holds only vendor/, the npm builds scripts/copy_vendor.py copies
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the Vue pages read it to send X-CSRFToken

# --- REST framework -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.auth.TokenAuthentication",  # knox tokens, one query per request
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.ScopedAccess"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "core.schema.ProjectAutoSchema",  # every error status documented
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Only views with a throttle_scope are limited (the token endpoint: password guessing).
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"login": env("LOGIN_THROTTLE_RATE", default="20/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
REST_KNOX = {
    "TOKEN_TTL": __import__("datetime").timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "党建工作区平台 API",
    "DESCRIPTION": "章丘式党建工作区：街道/镇 → 工作区 → 村/社区 → 自然村 → 微网格 → 户；党员联户。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

# --- Celery ---------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")

# Caches: "default" per process (throttling counters and the like); "figures" shared by the web processes and
# the worker that warms it (core/metrics.py): Redis with REDIS_URL, else files under var/cache.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "figures": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                "KEY_PREFIX": "figures", "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2}}
    if REDIS_URL else
    {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache" / "figures"),
     "KEY_PREFIX": "figures", "OPTIONS": {"MAX_ENTRIES": 200_000}},
}
BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    for sub in ("queue", "processed", "results", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),  # exchange tables; default is ./control
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{BROKER_DIR / 'results'}"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # mediation (轮值调解室): follow-ups after resolution, idle cases escalate, uncovered shifts flagged
    "mediation-schedule-follow-ups": {
        "task": "mediation.tasks.schedule_follow_ups",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 15 * 60},
    },
    "mediation-escalate-idle-cases": {
        "task": "mediation.tasks.escalate_idle_cases",
        "schedule": crontab(minute=5, hour="*/1"),
        "options": {"expires": 3600},
    },
    "mediation-flag-uncovered-shifts": {
        "task": "mediation.tasks.flag_uncovered_shifts",
        "schedule": crontab(minute=30, hour=7),
        "options": {"expires": 6 * 3600},
    },
    "visits-check-analytics": {
        "task": "visits.tasks.check_visit_analytics",
        "schedule": crontab(minute=50, hour=1),
        "options": {"expires": 6 * 3600},
    },
    "reports-warm-figures": {
        "task": "reports.tasks.warm_figures",
        "schedule": crontab(minute=f"*/{env.int('METRICS_WARM_MINUTES', default=4)}"),
        "options": {"expires": 60 * env.int("METRICS_WARM_MINUTES", default=4)},
    },
    "organization-weekly-tree-check": {
        "task": "organization.tasks.weekly_tree_check",
        "schedule": crontab(minute=45, hour=2, day_of_week=0),
        "options": {"expires": 6 * 3600},
    },
    "security-log-retention": {
        "task": "accounts.tasks.purge_security_events",
        "schedule": crontab(minute=27, hour=3),
        "options": {"expires": 3600},
    },
    "purge-expired-api-tokens": {
        "task": "accounts.tasks.purge_expired_tokens",
        "schedule": crontab(minute=17, hour=3),
        "options": {"expires": 3600},
    },
}

# --- Notifications (notifications app) -------------------------------------------
# Channels a notification is delivered through (dotted paths to notifications.channels.Channel subclasses).
# The in-app inbox is passive (the stored row is the delivery); add "notifications.channels.LogChannel"
# (or an SMS/WeCom channel) to deliver each notification elsewhere too, claimed by status and swept.
NOTIFICATION_CHANNELS = env.list("NOTIFICATION_CHANNELS", default=["notifications.channels.InAppChannel"])
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_STALE_MINUTES = env.int("NOTIFICATION_STALE_MINUTES", default=10)  # 'sending' longer than this: re-send
CELERY_BEAT_SCHEDULE["notifications-sweep"] = {
    "task": "notifications.tasks.sweep_notifications",
    "schedule": crontab(minute="*/10"),
    "options": {"expires": 10 * 60},
}

# --- Mediation room (轮值调解室) ------------------------------------------------
# Follow-up visits after a case is resolved or referred, in days (跟踪回访).
MEDIATION_FOLLOW_UP_DAYS = env.list("MEDIATION_FOLLOW_UP_DAYS", cast=int, default=[7, 30])
# A case without any activity for this many days escalates to the next level by itself.
MEDIATION_IDLE_DAYS = env.int("MEDIATION_IDLE_DAYS", default=10)
# Days each level has to handle a case (本级办理期限).
MEDIATION_DEADLINE_DAYS = {
    "village": env.int("MEDIATION_VILLAGE_DEADLINE_DAYS", default=10),
    "zone": env.int("MEDIATION_ZONE_DEADLINE_DAYS", default=15),
    "town": env.int("MEDIATION_TOWN_DEADLINE_DAYS", default=30),
}
# How far ahead a shift without a duty officer is flagged to the zone.
MEDIATION_UNCOVERED_LOOKAHEAD_DAYS = env.int("MEDIATION_UNCOVERED_LOOKAHEAD_DAYS", default=7)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "CaseStateEnum": "mediation.models.CaseState",
    "CaseLevelEnum": "mediation.models.CaseLevel",
    "DisputePartyRoleEnum": "mediation.models.PartyRole",
    "ReferralKindEnum": "mediation.models.ReferralKind",
    "DutyOfficerKindEnum": "mediation.models.OfficerKind",
    "CaseSourceEnum": "mediation.models.CaseSource",
    "CaseCategoryEnum": "mediation.models.CaseCategory",
    "FollowUpMethodEnum": "mediation.models.FollowUpMethod",
    "SatisfactionEnum": "mediation.models.Satisfaction",
})

# --- Four-color visits (visits app) -----------------------------------------------
# The daily reminder job runs at this local time (Asia/Shanghai); the sweeper re-runs a day whose run died.
VISIT_REMINDER_HOUR = env.int("VISIT_REMINDER_HOUR", default=7)
VISIT_REMINDER_MINUTE = env.int("VISIT_REMINDER_MINUTE", default=0)
VISIT_REMINDER_MAX_ATTEMPTS = env.int("VISIT_REMINDER_MAX_ATTEMPTS", default=3)  # unfinished runs per day
CELERY_BEAT_SCHEDULE["visits-daily-reminders"] = {
    "task": "visits.tasks.send_visit_reminders",
    "schedule": crontab(hour=VISIT_REMINDER_HOUR, minute=VISIT_REMINDER_MINUTE),
    "options": {"expires": 6 * 3600},  # the sweeper re-runs a day whose message expired
}
# Once a week the same job re-checks every household in its window (repairs drift from writes outside the services).
CELERY_BEAT_SCHEDULE["visits-weekly-full-reminders"] = {
    "task": "visits.tasks.send_visit_reminders",
    "schedule": crontab(hour=VISIT_REMINDER_HOUR, minute=(VISIT_REMINDER_MINUTE + 30) % 60, day_of_week=0),
    "kwargs": {"full": True},
    "options": {"expires": 6 * 3600},
}
CELERY_BEAT_SCHEDULE["visits-sweep"] = {
    "task": "visits.tasks.sweep_visit_reminders",
    "schedule": crontab(minute="*/15"),
    "options": {"expires": 15 * 60},
}
CELERY_BEAT_SCHEDULE["visits-coverage-snapshot"] = {
    "task": "visits.tasks.snapshot_visit_coverage",
    "schedule": crontab(hour=23, minute=45),
    "options": {"expires": 14 * 60},  # before midnight: the snapshot is of its day
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "AccountRoleEnum": "accounts.models.Role",
    "HouseholdColorEnum": "villages.models.HouseholdColor",
    "VisitMethodEnum": "visits.models.VisitMethod",
    "ColorChangeSourceEnum": "visits.models.ColorChangeSource",
})

# --- Logging (structlog, request ids) -------------------------------------------
# Every line is JSON (structlog's events and plain `logging` records from Django, DRF, Celery and our code
# alike, through structlog's ProcessorFormatter) with the request's `request_id` and client `ip` (bound by
# django-structlog's middleware; the address as core.http.client_address reads it, see core/logs.py), with
# ID-card and mobile numbers masked. filter_by_level drops disabled events before any rendering.
# LOG_FILE: JSON lines also to this file (relative paths under the project), rotated at LOG_FILE_MAX_BYTES
# keeping LOG_FILE_BACKUP_COUNT old files; LOG_FILE="" logs to the console only. Rotation is per process: with
# several gunicorn workers give each its own file, or set LOG_FILE_ROTATION=external and rotate with logrotate.
import structlog  # noqa: E402

from core.logs import PiiMaskingFilter, add_request_context, mask_pii_processor  # noqa: E402

LOG_FILE = env("LOG_FILE", default="var/log/app.log")
LOG_FILE_MAX_BYTES = env.int("LOG_FILE_MAX_BYTES", default=20 * 1024 * 1024)
LOG_FILE_BACKUP_COUNT = env.int("LOG_FILE_BACKUP_COUNT", default=10)
LOG_FILE_ROTATION = env("LOG_FILE_ROTATION", default="size")  # "size" (here) or "external" (logrotate)
# django-structlog would take the address from X-Forwarded-For without asking whether the peer is our proxy
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False

structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.filter_by_level,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            # plain logging records: the same keys a structlog event has, request_id and ip included
            "foreign_pre_chain": [
                structlog.contextvars.merge_contextvars,
                add_request_context,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.stdlib.add_logger_name,
                structlog.stdlib.add_log_level,
            ],
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                mask_pii_processor,  # last before rendering: tracebacks and every field are masked too
                structlog.processors.JSONRenderer(ensure_ascii=False),
            ],
        },
    },
    "filters": {"mask_pii": {"()": PiiMaskingFilter}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["mask_pii"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
    # request_started/finished with request ids: set REQUEST_LOG_LEVEL=INFO to log every request
    "loggers": {"django_structlog": {"level": env("REQUEST_LOG_LEVEL", default="WARNING")}},
}
if LOG_FILE:
    _log_path = Path(LOG_FILE) if Path(LOG_FILE).is_absolute() else BASE_DIR / LOG_FILE
    _log_path.parent.mkdir(parents=True, exist_ok=True)
    LOGGING["handlers"]["file"] = {
        "formatter": "json", "filters": ["mask_pii"], "filename": str(_log_path), "encoding": "utf-8",
        **({"class": "logging.handlers.WatchedFileHandler"} if LOG_FILE_ROTATION == "external" else {
            "class": "logging.handlers.RotatingFileHandler",
            "maxBytes": LOG_FILE_MAX_BYTES,
            "backupCount": LOG_FILE_BACKUP_COUNT,
        }),
    }
    LOGGING["root"]["handlers"].append("file")

import pghistory  # noqa: E402

PGHISTORY_DEFAULT_TRACKERS = (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
PGHISTORY_CONTEXT_FIELD = pghistory.ContextJSONField()
# Reads change nothing: attaching the request context to their SQL only costs time.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# --- Security log and application logs (issue 8 §3) ---
# The security log page and API (/security/, /api/security-events/): one xlsx export holds at most this many rows
# (a larger one is refused with a message asking for narrower filters).
SECURITY_LOG_EXPORT_MAX_ROWS = env.int("SECURITY_LOG_EXPORT_MAX_ROWS", default=100_000)
# Every list's xlsx export (GET /api/<list>/export/, accounts.api_export): above this many rows it is refused
# (400, asking for narrower filters); below it the rows are read in chunks and the file streams from a temp file.
LIST_EXPORT_MAX_ROWS = env.int("LIST_EXPORT_MAX_ROWS", default=200_000)
# Above this many rows an export runs in the background (202; a Celery task writes the file and the inbox gets
# a download link). The files are private (EXPORT_DIR, never served as static or media), for their owner only,
# deleted after EXPORT_FILE_DAYS days (a daily beat task, and the download refuses an expired one).
LIST_EXPORT_ASYNC_ROWS = env.int("LIST_EXPORT_ASYNC_ROWS", default=20_000)
EXPORT_DIR = Path(env("EXPORT_DIR", default=str(VAR_DIR / "exports")))
EXPORT_FILE_DAYS = env.int("EXPORT_FILE_DAYS", default=7)
CELERY_BEAT_SCHEDULE["purge-expired-exports"] = {
    "task": "accounts.tasks.purge_expired_exports",
    "schedule": crontab(minute=37, hour=3),
    "options": {"expires": 3600},
}

# --- Logins (issue 8 §2) ---
# Password validators, lockout, session limits, API tokens, optional TOTP, HTTPS defaults.
# README "Security and operations" explains each knob.
import datetime as _dt  # noqa: E402
import sys as _sys  # noqa: E402

# Lockout (django-axes, database handler: every gunicorn worker reads the same counts). An account is
# refused after LOGIN_FAILURE_LIMIT_USER failures, an address after LOGIN_FAILURE_LIMIT_ADDRESS, counted
# over LOGIN_LOCKOUT_MINUTES; the lockout lasts that long after the failure that triggered it.
# accounts.lockout.LockoutHandler applies the two limits to axes' two parameter lists.
LOGIN_FAILURE_LIMIT_USER = env.int("LOGIN_FAILURE_LIMIT_USER", default=5)
LOGIN_FAILURE_LIMIT_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_ADDRESS", default=20)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
AXES_ENABLED = env.bool("LOGIN_LOCKOUT_ENABLED", default=True)
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # per account OR per address, not the pair
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT_USER
AXES_COOLOFF_TIME = _dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# Attempts during a lockout do not push its end back: the time the message gives stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not wipe the counts: it would also wipe its address's count, so one valid account would
# let an address guess other accounts' passwords without limit.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "core.http.client_address"  # the security log's rule (TRUSTED_PROXIES)
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Successful sign-ins are in the security log already (accounts.SecurityEvent, with its retention).
AXES_DISABLE_ACCESS_LOG = True
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockoutBackend",  # refuses locked accounts/addresses before any password check
    "django.contrib.auth.backends.ModelBackend",
]

# Password policy: "standard" (length >= 8, letters and digits, not common, not like the user's name) or
# "strict" for 等保 sites (length >= 12 and three of upper case, lower case, digits, symbols).
PASSWORD_POLICY = env.str("PASSWORD_POLICY", default="standard")
if PASSWORD_POLICY not in ("standard", "strict"):
    raise environ.ImproperlyConfigured("PASSWORD_POLICY must be 'standard' or 'strict'")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "display_name", "first_name", "last_name", "email")}},
    {"NAME": "accounts.passwords.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12 if PASSWORD_POLICY == "strict" else 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.passwords.LettersAndDigitsValidator"},
]
if PASSWORD_POLICY == "strict":
    AUTH_PASSWORD_VALIDATORS.append(
        {"NAME": "accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}})

# Sessions: signed out after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS after
# signing in whatever the activity (accounts.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=8)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600

# Optional TOTP second factor (django-otp) for district, town and zone roles (and superusers).
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=False)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="党建工作区平台")

# HTTPS. DJANGO_SECURE turns on secure cookies, the HTTPS redirect and HSTS. Default: on whenever DEBUG is
# off, except for the embedded dev database and the test run (both plain http on 127.0.0.1);
# `manage.py run_platform` (make run) passes DJANGO_SECURE=false to its gunicorn, which serves plain
# http://127.0.0.1:8000. Production leaves it on; set SECURE_SSL_REDIRECT=false only when the intranet's
# TLS terminator already redirects http to https.
_RUNNING_TESTS = "pytest" in _sys.modules
DJANGO_SECURE = env.bool("DJANGO_SECURE", default=not DEBUG and not EMBEDDED_DATABASE and not _RUNNING_TESTS)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=DJANGO_SECURE)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if DJANGO_SECURE:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain http
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    # The TLS terminator in front says whether the client used https.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_HSTS_PRELOAD:
        # Intranet host names cannot be on browsers' public HSTS preload list, so security.W021 does not apply.
        SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Timeouts and faults (issue 8 §4–§5) ---
# Web requests only (core.middleware): the worker and management commands may run and wait longer.
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=30000)  # a web statement running longer → 503
DB_LOCK_TIMEOUT_MS = env.int("DB_LOCK_TIMEOUT_MS", default=5000)  # a web statement waiting longer for a lock → 503
# Also limit web statements outside transactions with a session SET; 0 behind pgbouncer in transaction mode.
DB_SESSION_TIMEOUTS = env.bool("DB_SESSION_TIMEOUTS", default=True)
# Seconds to wait for a database connection (libpq connect_timeout): an unreachable server fails, not hangs.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
# Publishing to the broker (beat, and any web dispatch) gives up quickly instead of retrying for ever.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=3.0)  # seconds per attempt
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
if REDIS_URL:  # the redis client's own socket timeouts (seconds), so a hung Redis cannot hold a request
    CELERY_BROKER_TRANSPORT_OPTIONS.update({"socket_connect_timeout": 3, "socket_timeout": 10})

# --- Reports (reports app) ------------------------------------------------------
# Deadlines: a zone's monthly report by this day of the next month; yearly reports by (month, day) of the next year.
# GET /api/metrics/values/ (polled by upper-level systems) may reuse a node's figures computed within this many
# seconds (the "figures" cache, below); reports and dashboards compute live. The worker warms every node's
# figures of the current year, quarter and month every METRICS_WARM_MINUTES (reports.tasks.warm_figures).
METRICS_CACHE_SECONDS = env.int("METRICS_CACHE_SECONDS", default=300)
METRICS_WARM_MINUTES = env.int("METRICS_WARM_MINUTES", default=4)
REPORT_MONTHLY_DUE_DAY = env.int("REPORT_MONTHLY_DUE_DAY", default=5)
REPORT_YEARLY_DUE = tuple(env.list("REPORT_YEARLY_DUE", cast=int, default=[1, 15]))
REPORT_ATTACHMENT_MAX_MB = env.int("REPORT_ATTACHMENT_MAX_MB", default=10)
# A late report reminds its zone's committee at once, and the town's staff this many days after the deadline.
REPORT_ESCALATE_TOWN_DAYS = env.int("REPORT_ESCALATE_TOWN_DAYS", default=5)
CELERY_BEAT_SCHEDULE["reports-late-reminders"] = {
    "task": "reports.tasks.remind_late_reports",
    "schedule": crontab(minute=20, hour=8),
    "options": {"expires": 6 * 3600},
}

# Uploaded files (report attachments): never served as static files; each download is a scoped view.
# MEDIA_STORAGE=s3 keeps them in an S3-compatible store through django-storages (AWS_STORAGE_BUCKET_NAME,
# AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; see the README).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"  # not routed: files go out through the apps' download views only
if env("MEDIA_STORAGE", default="filesystem") == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({
    "ReportKindEnum": "reports.models.ReportKind",
    "ReportStateEnum": "reports.models.ReportState",
})
