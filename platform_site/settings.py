"""Settings for the S2B2B platform, read from the environment.

One module for every environment. ``PLATFORM_ENV=production`` switches on the
deployment settings (``manage.py check --deploy`` passes with them) and requires
``DATABASE_URL``, ``REDIS_URL`` and ``SECRET_KEY``; anything else is development,
where unset ``DATABASE_URL`` / ``REDIS_URL`` start the embedded servers under ``var/``.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


PLATFORM_ENV = env("PLATFORM_ENV", "development")
PRODUCTION = PLATFORM_ENV == "production"
# Under pytest (which sets PYTEST_VERSION) the queue and cache keys default to names of this run
# alone, so a test never feeds the demo's worker or reads another run's cache.
TESTING = "PYTEST_VERSION" in os.environ
_RUN_SUFFIX = f"test-{os.getpid()}" if TESTING else None


def env_required(name: str) -> str:
    # (ops) Production refuses to start without its secrets and servers, and says which.
    value = env(name)
    if value is None:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name} must be set when PLATFORM_ENV=production.")
    return value


if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY")
    DATABASE_URL = env_required("DATABASE_URL")
    REDIS_URL = env_required("REDIS_URL")
else:
    from platform_site import embedded

    SECRET_KEY = env("SECRET_KEY", "development-only-secret-key-not-for-production-use-0123456789")
    DATABASE_URL = env("DATABASE_URL") or embedded.database_url()
    REDIS_URL = env("REDIS_URL") or embedded.redis_url()

DEBUG = env_bool("DEBUG", not PRODUCTION)

# Tenants answer at <slug>.<PLATFORM_DOMAIN>; the platform itself at PLATFORM_DOMAIN.
PLATFORM_DOMAIN = env("PLATFORM_DOMAIN", "localhost")
PLATFORM_SCHEME = env("PLATFORM_SCHEME", "https" if PRODUCTION else "http")
PLATFORM_PORT = env("PLATFORM_PORT", "" if PRODUCTION else "8000")
ALLOWED_HOSTS = [PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}"] + [
    host for host in (env("EXTRA_ALLOWED_HOSTS", "") or "").split(",") if host
]
if not PRODUCTION:
    ALLOWED_HOSTS += ["127.0.0.1", "testserver", ".testserver"]

# --- Tenancy -----------------------------------------------------------------------------------
# Each app with models belongs to exactly one schema type, except `accounts` (a user table in
# every schema) and Django's own contrib apps. See docs/architecture.md.

COMMON_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "accounts",
]

TENANT_TYPES = {
    "public": {
        "APPS": [
            "django_tenants",
            "tenants",
            "django.contrib.admin",
            "django.contrib.postgres",
            *COMMON_APPS,
            "catalog",
            "routing",
            "network",
            "settlement",
            "analytics",
        ],
        "URLCONF": "platform_site.urls_public",
    },
    "supplier": {
        "APPS": [*COMMON_APPS, "suppliers", "supplychain", "fulfilment"],
        "URLCONF": "platform_site.urls_supplier",
        "BASE_SCHEMA": "template_supplier",
    },
    "dealer": {
        "APPS": [*COMMON_APPS, "channels", "buyers", "orders", "marketing"],
        "URLCONF": "platform_site.urls_dealer",
        "BASE_SCHEMA": "template_dealer",
    },
}
HAS_MULTI_TYPE_TENANTS = True
MULTI_TYPE_DATABASE_FIELD = "type"
TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_CREATION_FAKES_MIGRATIONS = True
PUBLIC_SCHEMA_NAME = "public"
DEFAULT_NOT_FOUND_TENANT_VIEW = "platform_site.views.UnknownHostView"

INSTALLED_APPS = list(
    dict.fromkeys(app for config in TENANT_TYPES.values() for app in config["APPS"])
)

# Spare, fully migrated schemas kept ready per tenant type, so approval is a rename.
TENANT_POOL_SIZE = int(env("TENANT_POOL_SIZE", "2"))

MIDDLEWARE = [
    # /healthz first: probes call it by IP, and it must report a database that is down (ops).
    "platform_site.middleware.HealthCheckMiddleware",
    "platform_site.middleware.PublicSchemaAfterResponseMiddleware",
    "django_tenants.middleware.main.TenantMainMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "platform_site.middleware.SuspendedTenantMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "platform_site.urls_public"
WSGI_APPLICATION = "platform_site.wsgi.application"
ASGI_APPLICATION = "platform_site.asgi.application"

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
                "platform_site.context_processors.platform",
            ],
        },
    },
]

# --- Database, cache, Celery -------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(env("CONN_MAX_AGE", "60")))
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", "test_platform")}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# One ``SET search_path`` per tenant switch instead of one before every statement (half the
# round trips of a checkout). Safe with django-tenants 4.0: a switch (set_tenant) forgets the
# path it set, and so do ROLLBACK and ROLLBACK TO SAVEPOINT, which revert a SET inside them
# (tests/tenants/test_search_path.py proves both).
TENANT_LIMIT_SET_CALLS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", _RUN_SUFFIX or "platform"),
        # Every key carries the active tenant's schema: no tenant reads another's cache.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}


def _celery_broker_url(url: str) -> str:
    # kombu names the Unix-socket transport redis+socket://
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


CELERY_BROKER_URL = _celery_broker_url(REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", _RUN_SUFFIX or "platform")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "tenant-pool-refill": {"task": "tenants.tenant_pool_refill", "schedule": 60.0},
    # Safety net of provisioning: approved applications whose task message was lost.
    "tenants-applications-stuck-sweep": {
        "task": "tenants.applications_stuck_sweep",
        "schedule": 5 * 60.0,
    },
    # Safety net of the debounced inventory sync: reschedules suppliers with pending changes.
    "suppliers-offer-sync-sweep": {"task": "suppliers.offer_sync_sweep", "schedule": 60.0},
    # Buyers who never confirm receipt: shipped orders older than the dealer's setting.
    "orders-receipt-auto-confirm-sweep": {
        "task": "orders.receipt_auto_confirm_sweep",
        "schedule": 15 * 60.0,
    },
    # Settlement (CELERY_TIMEZONE, Beijing time): the days before, then the month before.
    "settlement-daily": {
        "task": "settlement.daily",
        "schedule": crontab(hour=2, minute=10),
    },
    "settlement-monthly": {
        "task": "settlement.monthly",
        "schedule": crontab(day_of_month=1, hour=3, minute=10),
    },
}

# --- Accounts and security ---------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "buyers.backends.MobileBackend",  # buyers sign in with their mobile number too
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# Failed logins: after LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW seconds, further
# attempts for that account (or from that address) wait LOGIN_LOCKOUT_SECONDS.
LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
# Password-reset emails per hour: per address asked for, and requests per client address.
PASSWORD_RESET_LIMIT_PER_EMAIL = int(env("PASSWORD_RESET_LIMIT_PER_EMAIL", "3"))
PASSWORD_RESET_LIMIT_PER_CLIENT = int(env("PASSWORD_RESET_LIMIT_PER_CLIENT", "20"))
LOGIN_FAILURE_WINDOW = int(env("LOGIN_FAILURE_WINDOW", "900"))
LOGIN_LOCKOUT_SECONDS = int(env("LOGIN_LOCKOUT_SECONDS", "300"))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Email -------------------------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", f"no-reply@{PLATFORM_DOMAIN}")

# --- Language and time -------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files -------------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))  # (ops) image/CI builds
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploads land under MEDIA_ROOT/<schema>/...: the storage keeps every tenant in its own folder.
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Qualification documents on tenant applications.
APPLICATION_DOCUMENT_MAX_BYTES = int(env("APPLICATION_DOCUMENT_MAX_BYTES", str(5 * 1024 * 1024)))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        # The level here too: records of loggers with a level of their own (django.request)
        # pass the root's level on their way up.
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "level": env("LOG_LEVEL", "INFO"),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
