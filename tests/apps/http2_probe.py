"""Test app for HTTP/2 and TLS: concurrency across streams, uploads, and the other test apps' routes.

/together?n=N&tag=T   waits (in a threading.Barrier, 30 s at most) until N requests with tag T are
                      inside the app at the same time, then answers "N together on <protocol>
                      from port <REMOTE_PORT>"; 503 if they never all arrive. Passing proves the
                      requests ran concurrently on N Python threads.
/upload               reads wsgi.input to the end in 64 KiB reads; answers JSON: length, sha256,
                      CONTENT_LENGTH (null when absent), SERVER_PROTOCOL.
/pid                  "pid=<worker pid>".
/wait-for?path=P      waits until the file P exists (60 s at most), then answers like /pid: a request
                      the test keeps in flight as long as it needs.
/stream, /release     responses_streaming's paced body and its release.
/file                 responses_files' wsgi.file_wrapper route.
/sleep?s=N            lifecycle's sleeping request.
anything else         environ_probe's report.
"""
import hashlib
import json
import os
import threading
import time
import urllib.parse

import environ_probe
import lifecycle
import responses_files
import responses_streaming

_barriers = {}
_barriers_lock = threading.Lock()


def together(environ, start_response):
    query = urllib.parse.parse_qs(environ["QUERY_STRING"])
    parties = int(query["n"][0])
    with _barriers_lock:
        barrier = _barriers.setdefault(query["tag"][0], threading.Barrier(parties, timeout=30))
    try:
        barrier.wait()
        status = "200 OK"
        text = f"{parties} together on {environ['SERVER_PROTOCOL']} from port {environ['REMOTE_PORT']}"
    except threading.BrokenBarrierError:
        status = "503 Service Unavailable"
        text = f"the {parties} requests were never inside the app at once"
    body = text.encode("ascii")
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def upload(environ, start_response):
    digest = hashlib.sha256()
    length = 0
    stream = environ["wsgi.input"]
    while True:
        piece = stream.read(65536)
        if not piece:
            break
        digest.update(piece)
        length += len(piece)
    body = json.dumps({
        "length": length,
        "sha256": digest.hexdigest(),
        "content_length": environ.get("CONTENT_LENGTH"),
        "protocol": environ["SERVER_PROTOCOL"],
    }).encode("ascii")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def pid(environ, start_response):
    query = urllib.parse.parse_qs(environ["QUERY_STRING"])
    if "path" in query:
        environ["wsgi.errors"].write(f"waiting for {query['path'][0]}\n")
        environ["wsgi.errors"].flush()
        deadline = time.monotonic() + 60
        while not os.path.exists(query["path"][0]) and time.monotonic() < deadline:
            time.sleep(0.05)
    body = f"pid={os.getpid()}".encode("ascii")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    route = environ["PATH_INFO"]
    if route in ("/pid", "/wait-for"):
        return pid(environ, start_response)
    if route == "/sleep":
        return lifecycle.application(environ, start_response)
    if route == "/together":
        return together(environ, start_response)
    if route == "/upload":
        return upload(environ, start_response)
    if route in ("/stream", "/release"):
        return responses_streaming.application(environ, start_response)
    if route == "/file":
        return responses_files.application(environ, start_response)
    return environ_probe.application(environ, start_response)
