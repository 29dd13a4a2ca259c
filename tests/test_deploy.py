"""Production settings: `manage.py check --deploy` is clean, and the HTTPS defaults are on when DEBUG is off."""
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[1]


def _production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "PII_KEY"))}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="".join(secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(50)),
        PII_KEY=secrets.token_urlsafe(32),
        DJANGO_ALLOWED_HOSTS="zones.example.gov.cn",
        DATABASE_URL=os.environ["DATABASE_URL"],  # the test database's server (set by the embedded one too)
        **extra,
    )
    return env


def _settings(env, *names) -> list[str]:
    code = "import config.settings as s; print('|'.join(repr(getattr(s, n, None)) for n in %r))" % (names,)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().split("|")


def test_check_deploy_prints_no_warning():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=_production_env(),
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "(security.W" not in output, output


def test_https_defaults_when_debug_is_off():
    names = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
             "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER", "SECURE_REDIRECT_EXEMPT", "X_FRAME_OPTIONS",
             "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY")
    assert _settings(_production_env(), *names) == [
        "True", "True", "True", "31536000", "True", "('HTTP_X_FORWARDED_PROTO', 'https')", "['^healthz$']", "'DENY'",
        "True", "'same-origin'"]
    # an intranet TLS terminator that redirects by itself
    assert _settings(_production_env(SECURE_SSL_REDIRECT="false"), "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE") == [
        "False", "True"]
    # plain-http local runs (make run passes DJANGO_SECURE=false)
    assert _settings(_production_env(DJANGO_SECURE="false"), "SESSION_COOKIE_SECURE", "SECURE_SSL_REDIRECT") == [
        "False", "None"]


@pytest.mark.django_db
def test_redirect_spares_the_health_check_and_headers_are_set():
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz$"]):
        client = Client()  # a new handler: SecurityMiddleware reads the settings when it is built
        response = client.get("/login/")
        assert response.status_code == 301 and response["Location"] == "https://testserver/login/"
        assert client.get("/healthz").status_code != 301
        secure = client.get("/login/", secure=True)
    assert secure.status_code == 200
    assert secure["X-Frame-Options"] == "DENY"
    assert secure["X-Content-Type-Options"] == "nosniff"
    assert secure["Referrer-Policy"] == "same-origin"
