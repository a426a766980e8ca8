"""Test app: answers JSON with the account the worker's Python runs as (os.getuid() and friends) and its pid."""
import json
import os


def application(environ, start_response):
    body = json.dumps({
        "pid": os.getpid(),
        "uid": os.getuid(),
        "euid": os.geteuid(),
        "gid": os.getgid(),
        "egid": os.getegid(),
        "groups": sorted(os.getgroups()),
    }).encode("ascii")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
