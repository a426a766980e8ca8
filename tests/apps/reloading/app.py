"""Test app for --reload, copied into a temporary directory that the test edits.

GET /      -> "pid=<worker pid> version=<pkg.helper.VERSION>-<first line of settings.txt>"
GET /lazy  -> imports the module lazy on first use: "pid=<worker pid> version=<lazy.VERSION>"
With OUTSIDE_DIR set, imports the module outside from that directory (not one of the app's).
"""
import os
import sys

import pkg.helper as helper

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "settings.txt")) as f:
    SETTING = f.readline().strip()

if os.environ.get("OUTSIDE_DIR"):
    sys.path.append(os.environ["OUTSIDE_DIR"])
    import outside  # noqa: F401


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/lazy":
        import lazy
        version = lazy.VERSION
    else:
        version = f"{helper.VERSION}-{SETTING}"
    body = f"pid={os.getpid()} version={version}".encode("ascii")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
