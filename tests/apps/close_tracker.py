"""Counts close() calls on response iterables, keyed by a tag the test puts in the query string.

The tests cannot see inside the server, so the apps record every close() here and expose the
count on a route (GET /closed?tag=T answers the number as text). Module state is shared by all
threads of the one interpreter; the GIL makes the increment safe.
"""
import collections
import urllib.parse

_closed = collections.Counter()


def tag_of(environ):
    return urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("tag", [""])[0]


def record(tag):
    _closed[tag] += 1


def count(tag):
    return _closed[tag]


def closed_route(environ, start_response):
    body = str(count(tag_of(environ))).encode("ascii")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


class Tracked:
    """An iterable over fixed chunks whose close() is recorded; raise_at makes iteration fail there."""

    def __init__(self, tag, chunks, raise_at=None):
        self.tag = tag
        self.chunks = chunks
        self.raise_at = raise_at

    def __iter__(self):
        for i, chunk in enumerate(self.chunks):
            if i == self.raise_at:
                raise RuntimeError("iteration failed on purpose")
            yield chunk

    def close(self):
        record(self.tag)
