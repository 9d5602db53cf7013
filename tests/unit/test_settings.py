"""Settings from the environment: production is safe by default and the Celery app is configured for delivery."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "production-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "news.ministry.example",
    "CREDENTIALS_KEYS": "hVbNKLyNTkvvnmdOvq7Lm0ncS7RVTJzWHVCqSuxNKEk=",
    "EMAIL_HOST": "smtp.ministry.example",
    "TRUSTED_PROXIES": "1",
}


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", CHANCERY_VAR_DIR=str(tmp_path), **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_mail_would_not_leave(tmp_path):
    no_host = {**PRODUCTION, "EMAIL_HOST": ""}
    result = run_manage("check", "--deploy", CHANCERY_VAR_DIR=str(tmp_path), **no_host)
    assert "chancery.W002" in result.stderr + result.stdout
    console = {**PRODUCTION, "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    result = run_manage("check", "--deploy", CHANCERY_VAR_DIR=str(tmp_path), **console)
    assert "chancery.W001" in result.stderr + result.stdout


def test_check_deploy_warns_when_the_proxies_in_front_are_not_counted(tmp_path):
    uncounted = {key: value for key, value in PRODUCTION.items() if key != "TRUSTED_PROXIES"}
    result = run_manage("check", "--deploy", CHANCERY_VAR_DIR=str(tmp_path), **uncounted)
    assert "chancery.W003" in result.stderr + result.stdout
    result = run_manage("check", "--deploy", CHANCERY_VAR_DIR=str(tmp_path), **{**PRODUCTION, "TRUSTED_PROXIES": "0"})
    assert "chancery.W003" not in result.stderr + result.stdout


def test_production_mail_goes_through_smtp_and_development_to_the_console(tmp_path):
    backend = "settings.EMAIL_BACKEND"
    production = settings_read(backend, tmp_path, unset={"EMAIL_BACKEND"}, **PRODUCTION)
    assert production == "django.core.mail.backends.smtp.EmailBackend", production
    development = settings_read(backend, tmp_path, unset={"EMAIL_BACKEND"})
    assert development == "django.core.mail.backends.console.EmailBackend", development


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", DEBUG="0", CHANCERY_VAR_DIR=str(tmp_path), CREDENTIALS_KEYS="k" * 44)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    for _ in range(2):
        assert run_manage("check", DEBUG="1", CHANCERY_VAR_DIR=str(tmp_path)).returncode == 0
    key_file = tmp_path / "secret_key"
    assert len(key_file.read_text()) >= 50
    assert key_file.stat().st_mode & 0o077 == 0


def test_celery_is_configured_for_at_least_once_delivery_of_json_only():
    from portal.celery import app

    app.loader.import_default_modules()
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert {q.name for q in conf.task_queues} == {"default", "publish.facebook", "publish.x", "metrics"}
    assert conf.beat_schedule["publish-scheduled-pages"]["task"] == "portal.tasks.pages_publish_scheduled"
    assert conf.beat_schedule["publish-scheduled-pages"]["schedule"] <= 60
    assert "portal.tasks.pages_publish_scheduled" in app.tasks


def settings_read(expression: str, tmp_path, *, unset=(), **env) -> str:
    """`expression` over the settings a fresh process builds from this environment, less `unset`."""
    script = f"import django; from django.conf import settings; django.setup(); print({expression})"
    clean = {k: v for k, v in os.environ.items() if k not in {*unset, *env}}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "1", "CHANCERY_VAR_DIR": str(tmp_path), **env}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    return out.stdout.strip() or out.stderr


def test_embedded_defaults_are_sqlite_and_a_filesystem_broker(tmp_path):
    engine_and_broker = "settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL"
    out = settings_read(engine_and_broker, tmp_path, unset={"DATABASE_URL", "CELERY_BROKER_URL"})
    assert out == "django.db.backends.sqlite3 filesystem://", out
    assert (tmp_path / "broker" / "queue").is_dir()
    folders = "sorted(settings.CELERY_BROKER_TRANSPORT_OPTIONS[k] for k in ('data_folder_in', 'control_folder'))"
    out = settings_read(folders, tmp_path, unset={"DATABASE_URL", "CELERY_BROKER_URL"})
    assert out == str(sorted([str(tmp_path / "broker" / "queue"), str(tmp_path / "broker" / "control")])), out
    assert settings.LANGUAGE_CODE == "en"


def test_pacing_follows_a_redis_broker_with_or_without_tls(tmp_path):
    plain, tls = "redis://cache.example:6379/1", "rediss://cache.example:6380/1?ssl_cert_reqs=required"
    read = "settings.REDIS_URL or '-'"
    assert settings_read(read, tmp_path, unset={"REDIS_URL"}, CELERY_BROKER_URL=plain) == plain
    assert settings_read(read, tmp_path, unset={"REDIS_URL"}, CELERY_BROKER_URL=tls) == tls
    assert settings_read(read, tmp_path, unset={"REDIS_URL", "CELERY_BROKER_URL"}) == "-"


def test_the_page_cache_is_shared_by_every_process_and_apart_from_pacing(tmp_path):
    backend = "settings.CACHES['pages']['BACKEND'], settings.CACHES['pages']['LOCATION']"
    shared = settings_read(backend, tmp_path, unset={"PAGE_CACHE_URL"})
    assert shared == f"django.core.cache.backends.filebased.FileBasedCache {tmp_path / 'cache' / 'pages'}", shared
    redis = settings_read(
        backend + ", settings.CACHES['default']['LOCATION']",
        tmp_path,
        PAGE_CACHE_URL="redis://cache.example:6379/2",
        REDIS_URL="redis://cache.example:6379/1",
    )
    assert redis == (
        "django.core.cache.backends.redis.RedisCache redis://cache.example:6379/2 redis://cache.example:6379/1"
    ), redis
