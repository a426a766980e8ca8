"""Imports one module from each --pythonpath directory (lib_a, lib_b)."""
import extra_a
import extra_b


def application(environ, start_response):
    body = f"{extra_a.NAME}+{extra_b.NAME}".encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]
