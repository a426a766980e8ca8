"""
Settings for mysite, chosen by the DJANGO_ENV environment variable.

wsgi.py and manage.py point DJANGO_SETTINGS_MODULE at this package; it loads
``development`` or ``production``. An unset DJANGO_ENV means production, so a
server that forgot to say which it is refuses to start without a secret key
instead of running with DEBUG on. Set DJANGO_ENV=development for local work.

DJANGO_SETTINGS_MODULE may also name one of the modules itself
(mysite.settings.development); DJANGO_ENV is then not consulted.
"""
import os

from django.core.exceptions import ImproperlyConfigured

# Python runs this file before any module of the package, so the choice is made
# only when this package is the settings module.
if os.environ.get("DJANGO_SETTINGS_MODULE", __name__) == __name__:
    DJANGO_ENV = os.environ.get("DJANGO_ENV", "production")
    if DJANGO_ENV == "production":
        from .production import *  # noqa: F401,F403
    elif DJANGO_ENV == "development":
        from .development import *  # noqa: F401,F403
    else:
        raise ImproperlyConfigured(f"DJANGO_ENV={DJANGO_ENV!r}: expected 'development' or 'production'")
