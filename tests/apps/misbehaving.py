"""An app that breaks every rule a WSGI app can break, one fault per route.

The first path segment names the fault; the rest of the path is a tag the test makes unique, so
the server's log line about one request can be told from every other (GET /return-none/3f2a...).

GET / and GET /ok/...       -> "pid=<worker pid> version=misbehaving" (the healthy route other
                               clients use while a fault happens, and how a test sees which
                               worker answered)
GET /closed?tag=T           -> how many times close() ran for tag T (see close_tracker.py)
GET /threads                -> names of the threads the app started that are still alive

Every other route is one misbehaviour; MisbehavingAppTests says what the server must do about it.
"""
import ctypes
import os
import threading
import time

import close_tracker
from close_tracker import record, tag_of

TEXT = [("Content-Type", "text/plain")]

# Never written to: a read from it blocks in C until the process ends.
_never_readable, _never_written = os.pipe()

# Grows without end while /allocate runs; kept at module level so nothing frees it.
_hoard = []


class AppFault(Exception):
    """What the raising routes raise, so the log line can be matched to the route."""


def ok(environ, start_response):
    body = f"pid={os.getpid()} version=misbehaving".encode("ascii")
    start_response("200 OK", TEXT + [("Content-Length", str(len(body)))])
    return [body]


def app_threads(environ, start_response):
    names = sorted(t.name for t in threading.enumerate() if t.name.startswith("left-running-"))
    body = ",".join(names).encode("ascii")
    start_response("200 OK", TEXT + [("Content-Length", str(len(body)))])
    return [body]


# --- exceptions ---------------------------------------------------------------------------------

def raise_before_start(environ, start_response):
    raise AppFault("raised before start_response")


def raise_after_start(environ, start_response):
    start_response("200 OK", list(TEXT))
    raise AppFault("raised after start_response, before any body")


def raise_in_iteration(environ, start_response):
    def body():
        yield b"first chunk"
        raise AppFault("raised while iterating, after the first chunk")
    start_response("200 OK", list(TEXT))
    return body()


class FailingClose:
    """A complete body whose close() raises (close() is recorded first)."""

    def __init__(self, tag):
        self.tag = tag

    def __iter__(self):
        yield b"complete body"

    def close(self):
        record(self.tag)
        raise AppFault("raised in close()")


def raise_in_close(environ, start_response):
    start_response("200 OK", TEXT + [("Content-Length", "13")])
    return FailingClose(tag_of(environ))


# --- wrong return values ------------------------------------------------------------------------

def return_none(environ, start_response):
    start_response("200 OK", list(TEXT))
    return None


def return_str(environ, start_response):
    start_response("200 OK", list(TEXT))
    return "a str, not an iterable of bytes"


def return_bytes(environ, start_response):
    start_response("200 OK", list(TEXT))
    return b"bytes, not an iterable of bytes"


def return_int(environ, start_response):
    start_response("200 OK", list(TEXT))
    return 42


def yield_str(environ, start_response):
    def body():
        yield "a str chunk"
    start_response("200 OK", list(TEXT))
    return body()


# --- status and headers ------------------------------------------------------------------------

HEADS = {
    "status-no-reason": ("200", []),
    "status-non-numeric": ("OK", []),
    "status-crlf": ("200 OK\r\nX-Injected: yes", []),
    "name-cr": ("200 OK", [("X-A\rX-Injected", "yes")]),
    "name-lf": ("200 OK", [("X-A\nX-Injected", "yes")]),
    "name-nul": ("200 OK", [("X-A\x00X-Injected", "yes")]),
    "name-non-latin1": ("200 OK", [("X-\u20ac", "yes")]),
    "value-cr": ("200 OK", [("X-A", "a\rX-Injected: yes")]),
    "value-lf": ("200 OK", [("X-A", "a\nX-Injected: yes")]),
    "value-nul": ("200 OK", [("X-A", "a\x00X-Injected: yes")]),
    "value-non-latin1": ("200 OK", [("X-A", "\u20ac5")]),
    "hop-by-hop": ("200 OK", [("Transfer-Encoding", "chunked")]),
}


def head(environ, start_response):
    status, headers = HEADS[environ["PATH_INFO"].split("/")[1]]
    start_response(status, headers + [("Content-Length", "2")])
    return [b"ok"]


def start_twice(environ, start_response):
    start_response("200 OK", list(TEXT))
    start_response("500 Internal Server Error", list(TEXT))
    return [b"second status"]


def write_in_iteration(environ, start_response):
    write = start_response("200 OK", list(TEXT))

    def body():
        yield b"yielded,"
        write(b"written,")
        yield b"yielded again"
    return body()


# --- framing -----------------------------------------------------------------------------------

def short_body(environ, start_response):
    start_response("200 OK", TEXT + [("Content-Length", "100")])
    return [b"only 20 of 100 bytes"]


def long_body(environ, start_response):
    start_response("200 OK", TEXT + [("Content-Length", "5")])
    return [b"12345", b"and then some"]


def no_start_response(environ, start_response):
    return [b"a body without a status"]


def endless(environ, start_response):
    tag = tag_of(environ)

    def body():
        try:
            while True:
                yield b"z" * 65536
        finally:
            record(tag)
    start_response("200 OK", list(TEXT))
    return body()


# --- the process ------------------------------------------------------------------------------

def segfault(environ, start_response):
    ctypes.string_at(0)
    return ok(environ, start_response)


def exit_process(environ, start_response):
    os._exit(3)


def leave_thread(environ, start_response):
    def spin():
        while True:
            time.sleep(0.05)
    # A thread started in a request inherits daemon=True from the server's request thread; this
    # one asks to be waited for at exit, as a thread started from a plain script's main thread is.
    name = "left-running-" + environ["PATH_INFO"].split("/")[2]
    threading.Thread(target=spin, name=name, daemon=False).start()
    return ok(environ, start_response)


def allocate(environ, start_response):
    # Writes every byte, so the pages count in the worker's RSS.
    while True:
        _hoard.append(b"m" * (8 << 20))
        time.sleep(0.05)


def block_in_c(environ, start_response):
    # os.read waits in C with the GIL released; an exception injected into this thread is only
    # seen when the call returns, which it never does.
    os.read(_never_readable, 1)
    return ok(environ, start_response)


ROUTES = {
    "": ok,
    "ok": ok,
    "closed": close_tracker.closed_route,
    "threads": app_threads,
    "raise-before-start": raise_before_start,
    "raise-after-start": raise_after_start,
    "raise-in-iteration": raise_in_iteration,
    "raise-in-close": raise_in_close,
    "return-none": return_none,
    "return-str": return_str,
    "return-bytes": return_bytes,
    "return-int": return_int,
    "yield-str": yield_str,
    "start-twice": start_twice,
    "write-in-iteration": write_in_iteration,
    "short-body": short_body,
    "long-body": long_body,
    "no-start-response": no_start_response,
    "endless": endless,
    "segfault": segfault,
    "exit": exit_process,
    "leave-thread": leave_thread,
    "allocate": allocate,
    "block-in-c": block_in_c,
}
ROUTES.update((name, head) for name in HEADS)


def application(environ, start_response):
    return ROUTES[environ["PATH_INFO"].split("/")[1]](environ, start_response)
