"""
Objects the app keeps for its whole life and hands to the server on every request: the status,
the header list and its tuples, body chunks, a result list returned as it is, a file. Whatever
the server took a reference to while serving must be given back, so /refs reports the same
sys.getrefcount() for each of them after any number of requests. /refs also reports the
interpreter's live object count after a full collection.
"""
import gc
import io
import json
import sys

STATUS = "200 OK"
HEADERS = [("Content-Type", "text/plain"), ("X-Probe", "refcounts")]
CHUNK = b"a chunk the app keeps\n"
RESULT = [CHUNK, CHUNK]
# Raised again and again, a kept exception would grow its own __traceback__ chain (Python prepends
# each new raise to it), so every raise starts from an empty traceback.
ERROR = ValueError("the app keeps this exception and raises it again")
INPUT_SEEN = []


class KeptIterable:
    """A response iterable the app reuses: iter() and close() every request."""

    def __iter__(self):
        yield CHUNK
        yield CHUNK

    def close(self):
        pass


KEPT_ITERABLE = KeptIterable()


def _refs():
    gc.collect()
    kept = {
        "status": STATUS,
        "headers": HEADERS,
        "header_tuple": HEADERS[0],
        "header_value": HEADERS[1][1],
        "chunk": CHUNK,
        "result": RESULT,
        "error": ERROR,
        "kept_iterable": KEPT_ITERABLE,
    }
    counts = {name: sys.getrefcount(value) for name, value in kept.items()}
    counts["objects"] = len(gc.get_objects())
    return json.dumps(counts).encode()


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/refs":
        body = _refs()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
    if path == "/list":
        start_response(STATUS, HEADERS)
        return [CHUNK]
    if path == "/same-result":
        start_response(STATUS, HEADERS)
        return RESULT
    if path == "/kept-iterable":
        start_response(STATUS, HEADERS)
        return KEPT_ITERABLE
    if path == "/write":
        write = start_response(STATUS, HEADERS)
        write(CHUNK)
        return []
    if path == "/post":
        body = environ["wsgi.input"].read()
        start_response(STATUS, HEADERS)
        return [b"%d" % len(body)]
    if path == "/file":
        start_response(STATUS, HEADERS)
        return environ["wsgi.file_wrapper"](io.BytesIO(CHUNK * 4))
    if path == "/error":
        raise ERROR.with_traceback(None)
    if path == "/error-after-start":
        try:
            raise ERROR.with_traceback(None)
        except ValueError:
            start_response("500 Internal Server Error", HEADERS, sys.exc_info())
        return [CHUNK]
    start_response("404 Not Found", HEADERS)
    return [b"unknown path\n"]
