"""The soak test's app (bench/soak.py): every answer can be checked byte for byte by the client.

Bodies are pseudo-random bytes from random.Random(seed), which the client regenerates; every
response names the worker that produced it in X-Worker-Pid, so a failure can be matched to a
worker the harness killed.

    GET /blob?size=N&seed=S              N bytes of Random(S).randbytes(N), with Content-Length
    GET /stream?chunks=C&size=N&seed=S   C chunks of Random(S).randbytes(N) from a generator (no
                                         Content-Length: chunked), a short pause between chunks so
                                         streams are in flight when workers die
    PUT /upload                          reads wsgi.input to its end (Content-Length or chunked) and
                                         answers "<length> <sha256 hex>" of what it read
"""
import hashlib
import os
import random
import time
import urllib.parse

PID = str(os.getpid())
STREAM_PAUSE_S = 0.002
READ_SIZE = 65536


def _query(environ):
    return {k: int(v[0]) for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).items()}


def _head(start_response, length=None):
    headers = [("Content-Type", "application/octet-stream"), ("X-Worker-Pid", PID)]
    if length is not None:
        headers.append(("Content-Length", str(length)))
    start_response("200 OK", headers)


def blob(environ, start_response):
    q = _query(environ)
    body = random.Random(q["seed"]).randbytes(q["size"])
    _head(start_response, len(body))
    return [body]


def stream(environ, start_response):
    q = _query(environ)

    def chunks():
        generator = random.Random(q["seed"])
        for _ in range(q["chunks"]):
            yield generator.randbytes(q["size"])
            time.sleep(STREAM_PAUSE_S)
    _head(start_response)
    return chunks()


def upload(environ, start_response):
    digest = hashlib.sha256()
    length = 0
    body = environ["wsgi.input"]
    while True:
        piece = body.read(READ_SIZE)
        if not piece:
            break
        digest.update(piece)
        length += len(piece)
    answer = f"{length} {digest.hexdigest()}".encode("ascii")
    _head(start_response, len(answer))
    return [answer]


ROUTES = {
    ("GET", "/blob"): blob,
    ("GET", "/stream"): stream,
    ("PUT", "/upload"): upload,
}


def application(environ, start_response):
    route = ROUTES.get((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
    if route is None:
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "10"), ("X-Worker-Pid", PID)])
        return [b"not found\n"]
    return route(environ, start_response)
