"""Chancery settings, read from the environment (12-factor) with embedded development defaults."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CHANCERY_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A development key that survives restarts, so sessions do too.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal",
    "embassies",
    "publishing",
    "publishing.listening",
    "signin",
    "django_otp",
    "axes",
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_celery_beat",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.csp.RequestForNonce",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "portal.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "signin.middleware.SecondFactorRequired",
    "signin.middleware.PasswordResetThrottle",
    "portal.secrecy.DraftsStaySecret",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Signing in: a password, then a second factor (signin), on both admin doors; repeated failures lock the account
# and the address for a while (django-axes); a session ends after SESSION_IDLE_MINUTES without a request.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "wagtailadmin_login"
AXES_FAILURE_LIMIT = int(os.environ.get("SIGNIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SIGNIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # the account, and separately the address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "signin/locked_out.html"
AXES_VERBOSE = False
# The client's address, read one way by lockout, throttles and the sign-in audit (signin.addresses.client_ip): how
# many reverse proxies stand in front (each appends the address it was reached from to X-Forwarded-For), so the
# address a client could write itself is never believed. Unset: none is counted, and `check --deploy` asks for it.
TRUSTED_PROXIES = int(os.environ["TRUSTED_PROXIES"]) if os.environ.get("TRUSTED_PROXIES", "").strip() else None
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "HTTP_X_FORWARDED_FOR")
AXES_CLIENT_IP_CALLABLE = "signin.addresses.client_ip"
PASSWORD_RESETS_PER_HOUR = int(os.environ.get("PASSWORD_RESETS_PER_HOUR", "5"))
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # each request moves the idle deadline
OTP_TOTP_THROTTLE_FACTOR = 1
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no avatar requests to a third party from the admin

# Content-Security-Policy on every response: no inline script but those carrying the response's nonce (the few
# Wagtail widgets that need one, see portal.csp); forms post only here (the accounts page adds the networks' sign-in
# hosts, where connecting an account leads).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],  # Wagtail's admin sets style attributes
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "browsing-topics",
    )
}

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
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
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'chancery.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The ORM binds its parameters in the client and never prepares; the publisher's busiest statements
    # (publishing.hotpath) bind on the server and are prepared at their first run on each connection. Set
    # DATABASE_PREPARED_STATEMENTS=0 behind a transaction pooler that cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        0 if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: the portal's locales, in the order the switcher shows them.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("sv", "Svenska"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
    ("ru", "Русский"),
    ("zh-hans", "简体中文"),
    ("de", "Deutsch"),
    ("pt", "Português"),
]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILLOCALIZE_SYNC_LIVE_STATUS_ON_TRANSLATE = False
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

WAGTAIL_SITE_NAME = "Ministry for Foreign Affairs"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# A finished review publishes through the second-eyes gate (portal.review), the one way a story goes live
# apart from force-publish.
WAGTAIL_FINISH_WORKFLOW_ACTION = "portal.review.publish_reviewed_workflow_state"

# Mail leaves through SMTP in production; the console is for development only (check --deploy says so).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "chancery@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Security: production defaults, relaxed only under DEBUG.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Celery: the database is the schedule; the broker only carries work that is due.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control, wherever the process runs
        "store_processed": False,
    }
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu's Redis transport, keeping its client instead of building one per message (see portal.broker),
    # without acknowledgement emulation: that costs two Redis transactions per message, and its one use,
    # giving a dead worker's messages back, is the sweeper's (queued posts without a message are queued again
    # after PUBLISHING_SWEEP_QUEUED_AFTER, where emulation would wait for its visibility timeout). A worker
    # that stops normally still puts back the messages it had not started.
    CELERY_BROKER_TRANSPORT = "portal.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {"ack_emulation": False}
# The cache carries per-account pacing between workers: Redis when there is one.
REDIS_URL = os.environ.get("REDIS_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
# The portal's page cache (portal.page_cache) has its own alias and its own Redis database in production, apart from
# the broker and the pacing counters. Without PAGE_CACHE_URL it is a folder under var/, shared by every process on
# the machine: a purge made by one (the worker publishing a scheduled story) reaches the web server's pages.
PAGE_CACHE_URL = os.environ.get("PAGE_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "chancery"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "pages": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": PAGE_CACHE_URL, "KEY_PREFIX": "pages"}
        if PAGE_CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "pages"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    ),
}
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))  # shared caches (ours, a CDN's s-maxage)
PAGE_BROWSER_SECONDS = int(os.environ.get("PAGE_BROWSER_SECONDS", "60"))  # readers' browsers (max-age)
PAGE_STALE_SECONDS = int(os.environ.get("PAGE_STALE_SECONDS", "60"))  # stale-while-revalidate at a CDN
# A CDN in front is purged with the page cache when its settings are given (Wagtail's frontend cache backends).
WAGTAILFRONTENDCACHE = {}
if os.environ.get("CLOUDFLARE_ZONE_ID"):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "BEARER_TOKEN": os.environ.get("CLOUDFLARE_BEARER_TOKEN", ""),
        "ZONEID": os.environ["CLOUDFLARE_ZONE_ID"],
    }
if os.environ.get("CLOUDFRONT_DISTRIBUTION_ID"):
    WAGTAILFRONTENDCACHE["cloudfront"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudfrontBackend",
        "DISTRIBUTION_ID": os.environ["CLOUDFRONT_DISTRIBUTION_ID"],
    }
if os.environ.get("CACHE_PURGE_URL"):  # Varnish or any server that takes HTTP PURGE
    WAGTAILFRONTENDCACHE["purge"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": os.environ["CACHE_PURGE_URL"],
    }
WAGTAILFRONTENDCACHE_LANGUAGES: list[str] = []  # each language's page is its own URL already
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "120"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "180"))
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue("default"),
    Queue("publish.facebook"),
    Queue("publish.x"),
    Queue("metrics"),
]
CELERY_TASK_ROUTES = {"publishing.tasks.metrics_*": {"queue": "metrics"}}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "publish-scheduled-pages": {"task": "portal.tasks.pages_publish_scheduled", "schedule": 60.0},
    "check-account-health": {"task": "embassies.tasks.accounts_check_health", "schedule": 6 * 3600.0},
    "dispatch-due-posts": {"task": "publishing.tasks.posts_dispatch_task", "schedule": 5.0},
    "sweep-posts": {"task": "publishing.tasks.posts_sweep_task", "schedule": 30.0},
    "collect-metrics": {"task": "publishing.tasks.metrics_collect_task", "schedule": 60.0},
    "thin-snapshots": {"task": "publishing.tasks.metrics_thin_task", "schedule": 24 * 3600.0},
    "listen": {"task": "publishing.listening.tasks.conversations_listen_task", "schedule": 60.0},
    "erase-old-comments": {"task": "publishing.listening.tasks.comments_erase_task", "schedule": 24 * 3600.0},
    "send-reach-digest": {
        "task": "publishing.tasks.metrics_digest_task",
        "schedule": crontab(minute=0, hour=6, day_of_week="mon"),
    },
}
# Reach: when a published post's figures are read, in hours after publishing (then never), per network. X bills
# every read: eight reads a post in its life by default (see README).
REACH_SCHEDULE_HOURS = {
    network: [
        float(h)
        for h in env_list(f"REACH_SCHEDULE_HOURS_{network.upper()}")
        or env_list("REACH_SCHEDULE_HOURS")
        or ["1", "3", "6", "12", "24", "72", "168", "720"]
    ]
    for network in ("facebook", "x")
}
REACH_PASS_LIMIT = int(os.environ.get("REACH_PASS_LIMIT", "5000"))
REACH_KEEP_ALL_DAYS = int(os.environ.get("REACH_KEEP_ALL_DAYS", "90"))
# #NoHarm: a post whose replies per view reach this multiple of its account's own baseline (with at least this
# many replies) raises an alert to the embassy's head of mission and the communications leads.
REACH_REPLY_ALERT_MULTIPLE = float(os.environ.get("REACH_REPLY_ALERT_MULTIPLE", "4"))
REACH_REPLY_ALERT_MIN_REPLIES = int(os.environ.get("REACH_REPLY_ALERT_MIN_REPLIES", "10"))
# Listening: when a post's comments and replies are read, in minutes after publishing (often at first, rarely
# after a day, never after the last); X bills every reply read, and a month's reads stop at the budget.
LISTENING_SCHEDULE_MINUTES = [
    int(m)
    for m in env_list("LISTENING_SCHEDULE_MINUTES")
    or [
        "10",
        "20",
        "30",
        "45",
        "60",
        "90",
        "120",
        "180",
        "240",
        "360",
        "480",
        "720",
        "960",
        "1440",
        "2160",
        "2880",
        "4320",
        "5760",
        "7200",
        "8640",
        "10080",
    ]
]
LISTENING_X_MONTHLY_READS = int(os.environ.get("LISTENING_X_MONTHLY_READS", "50000"))
LISTENING_X_READ_PRICE = float(os.environ.get("LISTENING_X_READ_PRICE", "0.005"))
LISTENING_PASS_LIMIT = int(os.environ.get("LISTENING_PASS_LIMIT", "2000"))
LISTENING_RETENTION_DAYS = int(os.environ.get("LISTENING_RETENTION_DAYS", "90"))
LISTENING_ESCALATION_THRESHOLD = float(os.environ.get("LISTENING_ESCALATION_THRESHOLD", "50"))
# The token Facebook's webhook subscription handshake must present (the app secret signs the deliveries).
LISTENING_WEBHOOK_VERIFY_TOKEN = os.environ.get("LISTENING_WEBHOOK_VERIFY_TOKEN", "")
PUBLISHING_SWEEP_SENDING_AFTER = int(os.environ.get("PUBLISHING_SWEEP_SENDING_AFTER", "600"))
PUBLISHING_SWEEP_QUEUED_AFTER = int(os.environ.get("PUBLISHING_SWEEP_QUEUED_AFTER", "300"))
PUBLISHING_RETRY_BASE_SECONDS = float(os.environ.get("PUBLISHING_RETRY_BASE_SECONDS", "5"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery closes Django's database connections around every task unless told to reuse them; a new
# PostgreSQL connection per post is a process fork per post. Reuse them, checked before each use.
CELERY_DB_REUSE_MAX = int(os.environ.get("CELERY_DB_REUSE_MAX", "200"))
DJANGO_CELERY_BEAT_TZ_AWARE = True

# The networks: real hosts by default; the demo and the tests point these at the sandbox.
FACEBOOK_GRAPH_URL = os.environ.get("FACEBOOK_GRAPH_URL", "https://graph.facebook.com/")
FACEBOOK_WWW_URL = os.environ.get(
    "FACEBOOK_WWW_URL", FACEBOOK_GRAPH_URL if "FACEBOOK_GRAPH_URL" in os.environ else "https://www.facebook.com/"
)
FACEBOOK_GRAPH_VERSION = os.environ.get("FACEBOOK_GRAPH_VERSION", "v25.0")
FACEBOOK_APP_ID = os.environ.get("FACEBOOK_APP_ID", "")
FACEBOOK_APP_SECRET = os.environ.get("FACEBOOK_APP_SECRET", "")
X_API_URL = os.environ.get("X_API_URL", "https://api.x.com")
X_AUTHORIZE_URL = os.environ.get(
    "X_AUTHORIZE_URL",
    f"{X_API_URL.rstrip('/')}/i/oauth2/authorize" if "X_API_URL" in os.environ else "https://x.com/i/oauth2/authorize",
)
X_CLIENT_ID = os.environ.get("X_CLIENT_ID", "")
X_CLIENT_SECRET = os.environ.get("X_CLIENT_SECRET", "")
CHANNEL_TIMEOUT = float(os.environ.get("CHANNEL_TIMEOUT", "20"))
# What X bills for creating a post (US dollars): with a URL, and without. Every post Chancery sends to X carries
# its story link. A monthly budget, when set, holds X posts that would exceed it before they leave.
X_PRICES = {
    "post_with_link": os.environ.get("X_PRICE_POST_WITH_LINK", "0.20"),
    "post": os.environ.get("X_PRICE_POST", "0.015"),
}
X_MONTHLY_BUDGET = os.environ.get("X_MONTHLY_BUDGET", "")
SANDBOX_URL = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8001")
# Token encryption keys (Fernet, comma-separated, newest first). Development derives one from SECRET_KEY.
CREDENTIALS_KEYS = env_list("CREDENTIALS_KEYS")
if not CREDENTIALS_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "CREDENTIALS_KEYS must be set when DEBUG is off (see manage.py generate_credentials_key)."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "portal.logs.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # runserver's access log: the request line carries OAuth callbacks' code and state.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # These libraries log request headers and URLs, with tokens in them, at DEBUG.
        "tweepy": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "requests_oauthlib": {"level": "WARNING"},
        "oauthlib": {"level": "WARNING"},
    },
}
