"""Test app for the master/worker lifecycle tests.

GET /            -> "pid=<worker pid> version=<VERSION>"
GET /sleep?s=N   -> writes "sleeping N s in <pid>" to wsgi.errors, sleeps N seconds in time.sleep,
                    then answers like /
GET /spin        -> loops in pure Python forever (only an injected exception ends it)
GET /exit        -> ends the worker process at once with os._exit(3)
"""
import os
import time

VERSION = "1"


def _answer(start_response, status="200 OK"):
    body = f"pid={os.getpid()} version={VERSION}".encode("ascii")
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/sleep":
        query = environ.get("QUERY_STRING", "")
        seconds = float(query[2:]) if query.startswith("s=") else 1.0
        environ["wsgi.errors"].write(f"sleeping {query[2:]} s in {os.getpid()}\n")
        environ["wsgi.errors"].flush()
        time.sleep(seconds)
    elif path == "/spin":
        while True:
            pass
    elif path == "/exit":
        os._exit(3)
    return _answer(start_response)
