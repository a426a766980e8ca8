"""Test app for wsgi.file_wrapper: serves a file the test created (its path is in the query string).

Query parameters: path (the file), seek (move the file position first), skip (read and drop
this many bytes first, through a buffered reader: its read-ahead moves the descriptor's own
offset further than the position tell() reports), length (send this Content-Length), block (the
block_size argument), tag (record close() of the file in close_tracker).
"""
import io
import urllib.parse

import close_tracker
from close_tracker import record


class TrackedFile(io.FileIO):
    """A real, unbuffered file whose close() is recorded, so the test sees the server closed it."""

    def __init__(self, path, tag):
        super().__init__(path, "rb")
        self.tag = tag

    def close(self):
        if not self.closed:
            record(self.tag)
        super().close()


class TrackedBytes(io.BytesIO):
    """An in-memory file-like (no file descriptor): the server must iterate it with read()."""

    def __init__(self, data, tag):
        super().__init__(data)
        self.tag = tag

    def close(self):
        if not self.closed:
            record(self.tag)
        super().close()


def pattern(size):
    # Deterministic content the test can rebuild: byte i is i % 251 (a prime, so no 256-byte period).
    return bytes(i % 251 for i in range(size))


def application(environ, start_response):
    query = {k: v[0] for k, v in urllib.parse.parse_qs(environ["QUERY_STRING"]).items()}
    route = environ["PATH_INFO"]
    tag = query.get("tag", "")
    if route == "/closed":
        return close_tracker.closed_route(environ, start_response)
    if route == "/hello":
        start_response("200 OK", [("Content-Length", "5")])
        return [b"hello"]
    if route == "/file":
        filelike = TrackedFile(query["path"], tag)
    elif route == "/buffered-file":
        filelike = io.BufferedReader(TrackedFile(query["path"], tag))
        filelike.read(int(query["skip"]))
    elif route == "/bytesio":
        filelike = TrackedBytes(pattern(int(query["size"])), tag)
    else:
        raise LookupError(route)
    if "seek" in query:
        filelike.seek(int(query["seek"]))
    headers = [("Content-Type", "application/octet-stream")]
    if "length" in query:
        headers.append(("Content-Length", query["length"]))
    start_response("200 OK", headers)
    wrapper = environ["wsgi.file_wrapper"]
    return wrapper(filelike, int(query["block"])) if "block" in query else wrapper(filelike)
