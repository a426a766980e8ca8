"""Test app for the configuration tests: reports the worker's pid and the environment variables
named in the query (GET /?env=A,B), so a test sees what raw_env and the other settings did."""
import json
import os
from urllib.parse import parse_qs


def application(environ, start_response):
    names = parse_qs(environ.get("QUERY_STRING", "")).get("env", [""])[0]
    report = {
        "pid": os.getpid(),
        "env": {name: os.environ.get(name) for name in names.split(",") if name},
        "multithread": environ["wsgi.multithread"],
        "multiprocess": environ["wsgi.multiprocess"],
    }
    body = json.dumps(report, sort_keys=True).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
