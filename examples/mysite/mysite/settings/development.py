"""Local development: DEBUG on, a throwaway secret key, SQLite unless DATABASE_URL says otherwise."""
import os

from .base import *  # noqa: F401,F403

DEBUG = True

# Only ever used on a developer's machine; production reads DJANGO_SECRET_KEY.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-development-only-not-for-production")

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
