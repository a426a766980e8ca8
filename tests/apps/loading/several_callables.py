"""Defines callables, none of them named 'application'."""
import json  # noqa: F401  (an imported module is not one of its callables)
from os.path import join  # noqa: F401  (nor is an imported function)


def wsgi_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"wsgi_app"]


def make_app():
    return wsgi_app


class Middleware:
    def __init__(self, app):
        self.app = app


_private = wsgi_app
