"""Test app for the metrics tests: each route answers in a known way, so counts and byte totals
can be predicted exactly.

ANY /status/NNN?bytes=B -> status NNN with a body of B bytes ("x" * B) and its Content-Length
GET /sleep?s=N          -> sleeps N seconds in time.sleep, then "slept"
GET /raise              -> raises before start_response (the server answers 500 and logs it)
"""
import time


def _query(environ, name, default):
    for pair in environ.get("QUERY_STRING", "").split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            return value
    return default


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path.startswith("/status/"):
        status = int(path[len("/status/"):])
        body = b"x" * int(_query(environ, "bytes", "0"))
        start_response(f"{status} Whatever", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/sleep":
        time.sleep(float(_query(environ, "s", "1")))
        body = b"slept"
    elif path == "/raise":
        raise RuntimeError("metered app failure on purpose")
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
