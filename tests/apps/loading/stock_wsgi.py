"""The pattern of Django's generated wsgi.py: a default settings module that -e may override."""
import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stocksite.settings")
SETTINGS_AT_IMPORT = os.environ["DJANGO_SETTINGS_MODULE"]


def application(environ, start_response):
    body = json.dumps({"settings": SETTINGS_AT_IMPORT}).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
