"""
Production: DEBUG off, secrets and hosts from the environment, hashed static file names.

The app sits behind a proxy that terminates TLS (nginx) and talks to Dram over a
unix socket. Dram trusts that proxy's X-Forwarded-Proto and sets wsgi.url_scheme,
so Django sees https without SECURE_PROXY_SSL_HEADER.
"""
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403

DEBUG = False

try:
    SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
except KeyError:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Production settings (DJANGO_ENV=production, "
        "also the default) read it from the environment; for local work set DJANGO_ENV=development."
    ) from None

ALLOWED_HOSTS = [host.strip() for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host.strip()]

# Names carry a hash of the content (app.3f2a9c1b7e4d.css), so the static file
# server can let browsers cache them for a year.
STATICFILES_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"

# nginx redirects HTTP to HTTPS and sends Strict-Transport-Security
# (examples/nginx/mysite.conf), so `manage.py check --deploy` need not ask Django to.
SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008"]
