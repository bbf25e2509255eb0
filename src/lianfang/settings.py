"""Settings for Lianfang, read from environment variables.

The defaults are for development on the embedded SQLite database. Production sets
DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and LIANFANG_DATA_KEY.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from lianfang.core.keys import HOW_TO_MAKE, secret_key_weakness

PACKAGE_DIR = Path(__file__).resolve().parent
# The repository root when running from a checkout (src/ layout); overridable for deployments.
BASE_DIR = Path(os.environ.get("LIANFANG_HOME", PACKAGE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("LIANFANG_VAR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)

_DEV_SECRET = "lianfang-development-only-secret-key-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY") or (_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
if not DEBUG and (_weakness := secret_key_weakness(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"SECRET_KEY is too weak ({_weakness}). Use 50 or more random characters, "
        f"e.g. from: {HOW_TO_MAKE}"
    )

# Key for data encrypted at rest (complaints and attachments): a urlsafe base64 32-byte key.
_DEV_DATA_KEY = "bGlhbmZhbmctZGV2LW9ubHktZGF0YS1rZXktMzJieXQ="  # noqa: S105
DATA_KEY = os.environ.get("LIANFANG_DATA_KEY") or (_DEV_DATA_KEY if DEBUG else "")
if not DATA_KEY:
    raise ImproperlyConfigured("LIANFANG_DATA_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# TOTP for privileged roles is enforced whenever DEBUG is off; the demo may switch it off.
REQUIRE_OTP = env_bool("LIANFANG_REQUIRE_OTP", not DEBUG)

# Background tasks run on django-tasks (the backport of Django 6's django.tasks; core.jobs,
# core.schedule, docs/deployment.md "Background tasks"). LIANFANG_TASKS picks the queue:
# "database" (default: django-tasks-db, the tasks are rows of this database, on SQLite and
# PostgreSQL) or "rq" (django-tasks-rq: Redis at LIANFANG_REDIS_URL, for workers on several
# machines). LIANFANG_TASK_QUEUE names the queue this site's jobs go to (another site sharing
# the Redis, or a test, takes its own); every task backend also accepts the "default" queue.
LIANFANG_TASKS = os.environ.get("LIANFANG_TASKS", "database").strip().lower()
LIANFANG_REDIS_URL = os.environ.get("LIANFANG_REDIS_URL", "redis://127.0.0.1:6379/0")
LIANFANG_TASK_QUEUE = os.environ.get("LIANFANG_TASK_QUEUE", "default")
# RQ stops a task after this many seconds (its own default, 180 s, is shorter than a
# commission's whole-register export).
LIANFANG_TASK_TIMEOUT = int(os.environ.get("LIANFANG_TASK_TIMEOUT", "3600"))
_TASK_QUEUES = sorted({"default", LIANFANG_TASK_QUEUE})
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
}
if LIANFANG_TASKS not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"LIANFANG_TASKS must be one of {', '.join(_TASK_BACKENDS)}, not {LIANFANG_TASKS!r}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[LIANFANG_TASKS], "QUEUES": _TASK_QUEUES}}
RQ_QUEUES = {
    queue: {"URL": LIANFANG_REDIS_URL, "DEFAULT_TIMEOUT": LIANFANG_TASK_TIMEOUT}
    for queue in _TASK_QUEUES
}
# Who runs them: "worker" leaves them to `lianfang jobs work` (production, with its systemd
# unit, and `lianfang schedule run` for the periodic ones); "thread" runs a worker thread in
# the web process, which also keeps the schedule (the demo: no other process to start;
# database backend only).
LIANFANG_JOBS = os.environ.get(
    "LIANFANG_JOBS", "thread" if DEBUG and LIANFANG_TASKS == "database" else "worker"
)
if LIANFANG_JOBS == "thread" and LIANFANG_TASKS != "database":
    raise ImproperlyConfigured("LIANFANG_JOBS=thread runs the database backend's worker only.")
# Finished jobs' files (exports, PDFs) are deleted this many days after the job ended, and the
# framework's records of finished tasks after LIANFANG_TASK_RESULTS_DAYS (core.tasks).
LIANFANG_JOB_FILES_DAYS = int(os.environ.get("LIANFANG_JOB_FILES_DAYS", "7"))
LIANFANG_TASK_RESULTS_DAYS = int(os.environ.get("LIANFANG_TASK_RESULTS_DAYS", "30"))
# Above these sizes the work leaves the request for a job: the register exported to Excel
# (rows), a change of grading scheme (risk points re-graded), the register printed (rows).
LIANFANG_EXPORT_INLINE_ROWS = int(os.environ.get("LIANFANG_EXPORT_INLINE_ROWS", "20000"))
LIANFANG_REGRADE_INLINE_POINTS = int(os.environ.get("LIANFANG_REGRADE_INLINE_POINTS", "50000"))
LIANFANG_PDF_INLINE_ROWS = int(os.environ.get("LIANFANG_PDF_INLINE_ROWS", "100"))
# A Word form (core.word) of more rows is written by a background job, like a long PDF.
LIANFANG_DOCX_INLINE_ROWS = int(os.environ.get("LIANFANG_DOCX_INLINE_ROWS", "100"))

# What an uploaded workbook may hold, checked before it is read (core.spreadsheets.limits):
# the reader holds the whole sheet in memory, so a small file that unpacks large (a zip bomb,
# a shared-strings bomb, a million blank rows, a cell at XFD1048576) is refused with a message
# instead. Sizes in MB of unpacked XML; rows and columns as far as the sheet reaches, blank
# ones included; cells as written in the sheet. A 20,000-row register exported by the platform
# unpacks to about 42 MB (bench/README.md): 20,001 rows, 28 columns, at most 560,028 cells.
LIANFANG_IMPORT_UNPACKED_MAX_MB = int(os.environ.get("LIANFANG_IMPORT_UNPACKED_MAX_MB", "100"))
LIANFANG_IMPORT_SHARED_STRINGS_MAX = int(
    os.environ.get("LIANFANG_IMPORT_SHARED_STRINGS_MAX", "1000000")
)
LIANFANG_IMPORT_SHARED_STRINGS_MAX_MB = int(
    os.environ.get("LIANFANG_IMPORT_SHARED_STRINGS_MAX_MB", "50")
)
LIANFANG_IMPORT_MAX_ROWS = int(os.environ.get("LIANFANG_IMPORT_MAX_ROWS", "30000"))
LIANFANG_IMPORT_MAX_COLUMNS = int(os.environ.get("LIANFANG_IMPORT_MAX_COLUMNS", "100"))
LIANFANG_IMPORT_MAX_CELLS = int(os.environ.get("LIANFANG_IMPORT_MAX_CELLS", "1000000"))
# The working-day calendar (core.workdays): a time limit of N working days ends on the Nth
# working day at this local time (HH:MM or HH:MM:SS, in TIME_ZONE). Default: the end of the
# day, as 《民法典》第二百零三条 sets it (截止时间为二十四时); a unit whose office stops
# receiving at a set hour ("有业务时间的，停止业务活动的时间为截止时间") sets it, e.g. "17:30".
LIANFANG_WORKDAY_END = os.environ.get("LIANFANG_WORKDAY_END", "23:59:59")

# Signed checkpoints of the audit chain (core.audit_checkpoints), kept outside the database:
# the Ed25519 private key that signs them (read by `lianfang audit checkpoint` only), the
# public key that checks them (default: derived from the private key), and their directory.
AUDIT_SIGNING_KEY = os.environ.get("LIANFANG_AUDIT_SIGNING_KEY", "")
AUDIT_VERIFY_KEY = os.environ.get("LIANFANG_AUDIT_VERIFY_KEY", "")
AUDIT_CHECKPOINT_DIR = os.environ.get("LIANFANG_AUDIT_CHECKPOINTS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "django_prose_editor",  # the content editor's static files (content/forms.py)
    *(["django_rq", "django_tasks_rq"] if LIANFANG_TASKS == "rq" else []),
    "lianfang.core",
    "lianfang.accounts",
    "lianfang.org",
    "lianfang.reviews",
    "lianfang.risks",
    "lianfang.portal",
    "lianfang.flows",
    "lianfang.content",
    "lianfang.complaints",
    "lianfang.satisfaction",
    "lianfang.campaigns",
    "lianfang.commitments",
    "lianfang.assessments",
    "lianfang.exchange",
    "lianfang.dashboard",
    "lianfang.demo",
]

MIDDLEWARE = [
    "lianfang.complaints.middleware.ReporterPrivacyMiddleware",  # first: see its docstring
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lianfang.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lianfang.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lianfang.core.middleware.ContentSecurityPolicyMiddleware",
    "lianfang.core.middleware.DownloadStartedMiddleware",
    "lianfang.accounts.middleware.OTPRequiredMiddleware",
    "lianfang.accounts.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    "lianfang.core.middleware.ModuleEnabledMiddleware",
]

ROOT_URLCONF = "lianfang.urls"
WSGI_APPLICATION = "lianfang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lianfang.core.context_processors.shell",
                "lianfang.core.context_processors.workday_calendar",
                "lianfang.core.context_processors.notifications",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'lianfang.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers run beside one writer; IMMEDIATE takes the write lock up front
            # so concurrent writers queue instead of failing mid-transaction.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_lianfang.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Reverse proxies whose X-Forwarded-For names the client (core.client_address): addresses or
# networks, comma-separated (nginx on this host: 127.0.0.1,::1). Empty: the header is ignored.
LIANFANG_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("LIANFANG_TRUSTED_PROXIES", "").split(",") if p.strip()
]
for _proxy in LIANFANG_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(
            f"LIANFANG_TRUSTED_PROXIES: {_proxy!r} is not an address or a network."
        ) from _exc

# Lockout after repeated failures of one username from one client address (axes).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
# Lock a username from one address: by address alone would lock a whole hospital behind NAT,
# by username alone would let anyone lock anyone out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "lianfang.core.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# No table of every sign-in with its address and browser; failed attempts are kept only until
# their cool-off ends.
AXES_DISABLE_ACCESS_LOG = True
# Login throttling beside the lockout (accounts.throttle): after SLOWDOWN_AFTER failures of a
# username, each further attempt from an address that failed on it waits 2, 4, 8... seconds
# (at most SLOWDOWN_MAX); an address with ADDRESS_LIMIT failures (any usernames) within a
# WINDOW of seconds may try no username until the window ends.
LIANFANG_LOGIN_SLOWDOWN_AFTER = int(os.environ.get("LIANFANG_LOGIN_SLOWDOWN_AFTER", "3"))
LIANFANG_LOGIN_SLOWDOWN_MAX = int(os.environ.get("LIANFANG_LOGIN_SLOWDOWN_MAX", "60"))
LIANFANG_LOGIN_ADDRESS_LIMIT = int(os.environ.get("LIANFANG_LOGIN_ADDRESS_LIMIT", "30"))
LIANFANG_LOGIN_WINDOW = int(os.environ.get("LIANFANG_LOGIN_WINDOW", "900"))

OTP_TOTP_ISSUER = "廉防 Lianfang"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
NODE_MODULES = Path(os.environ.get("LIANFANG_NODE_MODULES", BASE_DIR / "node_modules"))
# Front-end packages come from npm at install time and are served from here, never a CDN.
STATICFILES_DIRS = [
    (prefix, NODE_MODULES / sub)
    for prefix, sub in [
        ("vendor/bootstrap", "bootstrap/dist"),
        ("vendor/bootstrap-icons", "bootstrap-icons/font"),
        ("vendor/echarts", "echarts/dist"),
        ("vendor/tom-select", "tom-select/dist"),
        ("vendor/bpmn-js", "bpmn-js/dist"),
        ("vendor/bpmn-js-i18n", "bpmn-js-i18n/translations"),
    ]
    if (NODE_MODULES / sub).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Attachments (core.attachments): kept apart from MEDIA_ROOT, served only through the
# permission-checked download view. Uses that must be encrypted at rest need the data key,
# a Fernet key (cryptography.fernet.Fernet.generate_key()) kept outside the database like the
# audit signing key (docs/deployment.md).
LIANFANG_ATTACHMENTS_DIR = Path(os.environ.get("LIANFANG_ATTACHMENTS_DIR", VAR_DIR / "attachments"))
LIANFANG_DATA_KEY = os.environ.get("LIANFANG_DATA_KEY", "")
WHITENOISE_USE_FINDERS = DEBUG

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Tokens sign in service accounts only (accounts.api_tokens).
        "lianfang.accounts.api_tokens.ServiceTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's defaults, but JSON nested too deep for the parser is a 400 (core.api.JSONParser).
    "DEFAULT_PARSER_CLASSES": [
        "lianfang.core.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lianfang API",
    "DESCRIPTION": "廉防 integrity risk prevention and control platform",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Choice sets sharing a field name get distinct, readable enum names.
    "ENUM_NAME_OVERRIDES": {
        "RiskPointStatusEnum": "lianfang.risks.models.RiskPoint.Status",
        "MeasureStatusEnum": "lianfang.risks.models.Measure.Status",
        "RiskCategoryEnum": "lianfang.risks.models.Category",
        "PowerCategoryEnum": "lianfang.org.models.Power.Category",
    },
}

# Security headers and cookies; strict for production, relaxed only where DEBUG needs http.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No client address in a log line about the reporter's pages (complaints.log_filters).
    "filters": {
        "reporter_privacy": {"()": "lianfang.complaints.log_filters.ReporterPrivacyFilter"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["reporter_privacy"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Notifications (core.notifications). E-mail: Django's SMTP settings from the environment;
# without EMAIL_HOST the messages are written to the console (the demo).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "廉防 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address of the site, for links in e-mails (the digest).
LIANFANG_SITE_URL = os.environ.get("LIANFANG_SITE_URL", "http://localhost:8000").rstrip("/")
# SMS (core.sms): the console backend logs them; AliyunBackend sends through Aliyun SMS.
LIANFANG_SMS_BACKEND = os.environ.get("LIANFANG_SMS_BACKEND", "lianfang.core.sms.ConsoleBackend")
LIANFANG_SMS_ACCESS_KEY_ID = os.environ.get("LIANFANG_SMS_ACCESS_KEY_ID", "")
LIANFANG_SMS_ACCESS_KEY_SECRET = os.environ.get("LIANFANG_SMS_ACCESS_KEY_SECRET", "")
LIANFANG_SMS_SIGN_NAME = os.environ.get("LIANFANG_SMS_SIGN_NAME", "")
LIANFANG_SMS_TEMPLATE = os.environ.get("LIANFANG_SMS_TEMPLATE", "")
LIANFANG_SMS_ENDPOINT = os.environ.get("LIANFANG_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")


CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
