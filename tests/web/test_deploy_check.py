"""``manage.py check --deploy`` is clean under production settings (``DJANGO_DEBUG=0``, secrets from the
environment), and production refuses to start without a secret key.

Each case runs in a fresh interpreter: the settings are read once per process.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('check', deploy=True, fail_level='WARNING')"
)


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AXES_"))}
    production = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "collections.example.com",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://collections.example.com",
        "PII_ENCRYPTION_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    environment = {**base, **production, **env}
    environment = {k: v for k, v in environment.items() if v != ""}
    return subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_the_deploy_check_finds_nothing_under_production_settings() -> None:
    result = run_check()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


def test_the_deploy_check_would_see_a_weak_secret_key() -> None:
    result = run_check(DJANGO_SECRET_KEY="short")

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = run_check(DJANGO_SECRET_KEY="")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0" in result.stderr


def test_production_refuses_to_start_without_the_personal_data_keys() -> None:
    result = run_check(PII_ENCRYPTION_KEYS="")

    assert result.returncode != 0
    assert "PII_ENCRYPTION_KEYS must be set when DJANGO_DEBUG=0" in result.stderr


def test_production_refuses_to_start_with_a_key_that_is_not_aes_256() -> None:
    result = run_check(PII_ENCRYPTION_KEYS="k1:" + base64.b64encode(b"sixteen byte key").decode())

    assert result.returncode != 0
    assert "key 'k1' is 16 bytes, AES-256 needs 32" in result.stderr
