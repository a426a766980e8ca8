"""Test app for hostile clients: says what it was given, and counts calls, close() calls and live objects.

/echo                   reads the whole body, answers JSON: method, path, body length and text,
                        CONTENT_LENGTH, every HTTP_* key
/page?size=N            a list body of N bytes
/stream?tag=T&chunks=N&size=S
                        N chunks of S bytes from an iterable whose close() is counted under T
                        (chunks=0: endless); /pulled?tag=T says how many chunks the server took
/file?tag=T             wsgi.file_wrapper over an 8 MiB file whose close() is counted under T
/slow?tag=T&s=SEC       sleeps SEC seconds (GIL released), then answers with a counted iterable
/upload?tag=T           start_response, then a counted iterable that reads wsgi.input in 8 KiB
                        pieces while it is iterated and answers the byte count
/reflect?v=V            puts V (percent-decoded, as a client could send it) in a response header
/started?tag=T          how many requests with tag T have started running in the app
/closed?tag=T           how many close() calls tag T saw
/calls                  how many requests reached the app (the counting routes excluded)
/stats                  after a full collection: live objects, allocated blocks, threads
"""
import atexit
import collections
import gc
import json
import os
import sys
import tempfile
import threading
import time
import urllib.parse

_lock = threading.Lock()
_calls = [0]
_started = collections.Counter()
_closed = collections.Counter()
_pulled = collections.Counter()

_fd, FILE_PATH = tempfile.mkstemp(prefix="dram-hostile-", suffix=".bin")
with os.fdopen(_fd, "wb") as _out:
    _out.write(bytes(range(256)) * (32 * 1024))  # 8 MiB
atexit.register(os.remove, FILE_PATH)

COUNTING_ROUTES = {"/calls", "/closed", "/started", "/stats", "/pulled"}


def _bump(counter, key):
    with _lock:
        counter[key] += 1


class Counted:
    """An iterable whose close() calls are counted under a tag; it closes what it wraps once."""

    def __init__(self, tag, chunks):
        self.tag = tag
        self.chunks = chunks

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        _bump(_closed, self.tag)
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()


class CountedFile:
    """A file for wsgi.file_wrapper whose close() calls are counted under a tag."""

    def __init__(self, tag):
        self.tag = tag
        self._file = open(FILE_PATH, "rb")

    def fileno(self):
        return self._file.fileno()

    def read(self, size=-1):
        return self._file.read(size)

    def tell(self):
        return self._file.tell()

    def close(self):
        _bump(_closed, self.tag)
        self._file.close()


def _query(environ):
    return {k: v[0] for k, v in urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).items()}


def _text(start_response, text, status="200 OK", content_type="text/plain"):
    body = text.encode("latin-1")
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def echo(environ, start_response):
    body = environ["wsgi.input"].read()
    seen = {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "body_length": len(body),
        "body": body[:256].decode("latin-1"),
        "content_length": environ.get("CONTENT_LENGTH"),
        "headers": {k: v for k, v in environ.items() if k.startswith("HTTP_")},
    }
    return _text(start_response, json.dumps(seen), content_type="application/json")


def stream(tag, chunks, size):
    piece = b"s" * size

    def produce():
        i = 0
        while chunks == 0 or i < chunks:
            _bump(_pulled, tag)
            yield piece
            i += 1
    return Counted(tag, produce())


def upload(environ, tag):
    stream_in = environ["wsgi.input"]

    def consume():
        total = 0
        while True:
            piece = stream_in.read(8192)
            if not piece:
                break
            total += len(piece)
        yield str(total).encode("ascii")
    return Counted(tag, consume())


def stats():
    for _ in range(3):
        gc.collect()
    with _lock:
        closes = sum(_closed.values())
        calls = _calls[0]
    return json.dumps({
        "objects": len(gc.get_objects()),
        "allocated_blocks": sys.getallocatedblocks(),
        "threads": threading.active_count(),
        "closes": closes,
        "calls": calls,
    })


def application(environ, start_response):
    path = environ["PATH_INFO"]
    query = _query(environ)
    tag = query.get("tag", "")
    if path not in COUNTING_ROUTES:
        with _lock:
            _calls[0] += 1
            _started[tag] += 1
    if path == "/echo":
        return echo(environ, start_response)
    if path == "/page":
        return _text(start_response, "p" * int(query["size"]))
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return stream(tag, int(query.get("chunks", "0")), int(query.get("size", "65536")))
    if path == "/file":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](CountedFile(tag), 65536)
    if path == "/slow":
        time.sleep(float(query["s"]))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Counted(tag, [b"slept"])
    if path == "/upload":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return upload(environ, tag)
    if path == "/reflect":
        value = urllib.parse.unquote(environ.get("QUERY_STRING", "").partition("v=")[2])
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Reflected", value)])
        return [b"reflected"]
    if path == "/started":
        with _lock:
            return _text(start_response, str(_started[tag]))
    if path == "/closed":
        with _lock:
            return _text(start_response, str(_closed[tag]))
    if path == "/pulled":
        with _lock:
            return _text(start_response, str(_pulled[tag]))
    if path == "/calls":
        with _lock:
            return _text(start_response, str(_calls[0]))
    if path == "/stats":
        return _text(start_response, stats(), content_type="application/json")
    return _text(start_response, "not found", status="404 Not Found")
