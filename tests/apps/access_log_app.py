"""Test app for the access log and error log tests; runs under Dram and under Gunicorn alike.

GET /anything       -> 201 "hello from the app\\n" with X-Trace: abc; sets environ["app.note"]
GET /empty          -> 200 with an empty body
GET /status?code=N  -> status N (a body unless 204 or 304)
GET /repeat         -> two X-Multi response headers, "first" then "second"
GET /sleep?s=N      -> sleeps N seconds in time.sleep, then answers like /
GET /raise          -> raises before start_response (the server answers 500)
GET /stream?n=N     -> N chunks of 64 KiB, streamed
POST /read          -> reads the whole body, then answers with its length
GET /print?m=TEXT   -> print()s TEXT, writes it to descriptors 1 and 2 with os.write, answers
GET /errors?m=TEXT&n=N -> writes N lines "TEXT <pid> <i> xxx...x" to wsgi.errors, one write each
"""
import os
import sys
import time
from urllib.parse import parse_qs


def _query(environ):
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    query = _query(environ)
    if path == "/empty":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]
    if path == "/status":
        code = int(query.get("code", "200"))
        if code in (204, 304):
            start_response(f"{code} Whatever", [])
            return []
        body = f"status {code}\n".encode()
        start_response(f"{code} Whatever", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/repeat":
        start_response("200 OK", [("X-Multi", "first"), ("X-Multi", "second"), ("Content-Length", "2")])
        return [b"ok"]
    if path == "/raise":
        raise RuntimeError("the access log test app fails on purpose")
    if path == "/stream":
        chunks = int(query.get("n", "100"))
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return (b"x" * 65536 for _ in range(chunks))
    if path == "/read":
        body = environ["wsgi.input"].read()
        answer = str(len(body)).encode()
        start_response("200 OK", [("Content-Length", str(len(answer)))])
        return [answer]
    if path == "/print":
        text = query.get("m", "")
        print(f"print {text}", flush=True)
        os.write(1, f"fd1 {text}\n".encode())
        os.write(2, f"fd2 {text}\n".encode())
        sys.stderr.write(f"stderr {text}\n")
        sys.stderr.flush()
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]
    if path == "/errors":
        text = query.get("m", "")
        errors = environ["wsgi.errors"]
        for i in range(int(query.get("n", "1"))):
            errors.write(f"{text} {os.getpid()} {i} {'x' * 300}\n")
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]
    if path == "/sleep":
        time.sleep(float(query.get("s", "1")))
    environ["app.note"] = "set by the app"
    body = b"hello from the app\n"
    start_response("201 Created", [("Content-Type", "text/plain"), ("Content-Length", str(len(body))), ("X-Trace", "abc")])
    return [body]
