"""
The leak check's app: one endpoint per way a response can be produced, and /stats, which reports
the interpreter's live objects after a full collection plus how often the server closed what it
was given.
"""
import atexit
import gc
import json
import os
import sys
import tempfile
import threading

_lock = threading.Lock()
_counts = {"stream_closes": 0, "file_closes": 0}

_fd, PAYLOAD_PATH = tempfile.mkstemp(prefix="dram-leak-", suffix=".bin")
with os.fdopen(_fd, "wb") as _out:
    _out.write(bytes(range(256)) * 192)  # 48 KiB
atexit.register(os.remove, PAYLOAD_PATH)


def _count(key):
    with _lock:
        _counts[key] += 1


class CountedStream:
    """An iterable response whose close() the server must call once."""

    def __init__(self, parts):
        self.parts = parts

    def __iter__(self):
        for i in range(self.parts):
            yield b"part %d of the streamed response\n" % i

    def close(self):
        _count("stream_closes")


class CountedFile:
    """A file-like object for wsgi.file_wrapper whose close() the server must call once."""

    def __init__(self, path):
        self._file = open(path, "rb")

    def fileno(self):
        return self._file.fileno()

    def read(self, size=-1):
        return self._file.read(size)

    def tell(self):
        return self._file.tell()

    def close(self):
        _count("file_closes")
        self._file.close()


def _respond(start_response, status, body, content_type="text/plain"):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/hello":
        return _respond(start_response, "200 OK", b"Hello, World!")
    if path == "/post":
        stream = environ["wsgi.input"]
        total, checksum = 0, 0
        while True:
            chunk = stream.read(8192)
            if not chunk:
                break
            total += len(chunk)
            checksum += sum(chunk)
        return _respond(start_response, "200 OK", b"%d:%d" % (total, checksum))
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return CountedStream(int(environ.get("QUERY_STRING") or 8))
    if path == "/file":
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(os.path.getsize(PAYLOAD_PATH)))])
        return environ["wsgi.file_wrapper"](CountedFile(PAYLOAD_PATH), 8192)
    if path == "/error":
        raise ValueError("deliberate error for the leak check")
    if path == "/stats":
        for _ in range(3):
            gc.collect()
        with _lock:
            counts = dict(_counts)
        body = json.dumps({
            "objects": len(gc.get_objects()),
            "allocated_blocks": sys.getallocatedblocks(),
            "threads": threading.active_count(),
            **counts,
        }).encode()
        return _respond(start_response, "200 OK", body, "application/json")
    return _respond(start_response, "404 Not Found", b"not found")
