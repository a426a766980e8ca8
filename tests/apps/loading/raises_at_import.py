"""An app module whose import fails in its own code."""


def read_configuration():
    raise RuntimeError("DATABASE_URL is not configured (raised by raises_at_import.py)")


SETTINGS = read_configuration()


def application(environ, start_response):
    start_response("200 OK", [])
    return [b"unreachable"]
