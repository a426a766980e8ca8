"""Test app for the response side of PEP 3333: one route per behaviour, dispatched on PATH_INFO.

Every route does one thing the server must handle in a defined way (a second start_response, a
bad header, a body longer than its Content-Length, an exception after the first chunk...). The
tests assert on the exact bytes the server puts on the wire and on its error log.
"""
import functools
import sys

import close_tracker
from close_tracker import Tracked, record, tag_of

TEXT = [("Content-Type", "text/plain")]


class BeforeStartError(Exception):
    """Raised before start_response: the log must name it."""


class AfterDataError(Exception):
    """Raised after the first chunk went out: the connection must be aborted."""


def hello(environ, start_response):
    start_response("200 OK", TEXT + [("Content-Length", "5")])
    return [b"hello"]


# --- start_response and write() ---------------------------------------------------------------

def write_order(environ, start_response):
    # write() output must precede the iterable's output, each in call order.
    write = start_response("200 OK", list(TEXT))
    write(b"one,")
    write(b"two,")
    return [b"three,", b"four"]


def write_str(environ, start_response):
    # PEP 3333: write() takes bytes; a str must raise TypeError inside the app. The app catches
    # it and reports the exception type in the body so the test can see what was raised.
    write = start_response("200 OK", list(TEXT))
    try:
        write("not bytes")
    except TypeError as e:
        return [b"TypeError: " + str(e).encode("latin-1")]
    return [b"no error raised"]


def start_twice(environ, start_response):
    # A second call without exc_info is an app bug: it raises, uncaught here, so the server answers 500.
    start_response("200 OK", list(TEXT))
    start_response("201 Created", list(TEXT))
    return [b"should not be sent"]


def exc_info_before_headers(environ, start_response):
    # The usual error-page pattern: the app started a response, failed before any body byte,
    # and replaces status and headers by passing exc_info.
    start_response("200 OK", TEXT + [("X-First", "yes")])
    try:
        raise ValueError("failure before any body byte")
    except ValueError:
        start_response("503 Service Unavailable", TEXT + [("X-Second", "yes")], sys.exc_info())
    return [b"custom error page"]


def exc_info_after_headers(environ, start_response):
    # With the head and a chunk on the wire, start_response(exc_info) must re-raise into the app;
    # the exception escapes the generator and the server has to abort the connection.
    def body():
        start_response("200 OK", list(TEXT))
        yield b"partial body"
        try:
            raise ValueError("late failure after headers")
        except ValueError:
            start_response("500 Internal Server Error", list(TEXT), sys.exc_info())
        yield b"start_response returned instead of raising"
    return body()


def start_in_generator(environ, start_response):
    # start_response may be called lazily, during the first iteration.
    def body():
        start_response("200 OK", TEXT + [("X-Lazy", "yes")])
        yield b"lazy body"
    return body()


def empty_then_raise(environ, start_response):
    # An empty first chunk must not send the head: the later error still becomes a clean 500.
    def body():
        start_response("200 OK", TEXT + [("X-Should-Not-Appear", "yes")])
        yield b""
        raise RuntimeError("failed before any body data")
    return body()


# --- start_response validation (each raises inside the app, uncaught, so the server answers 500) ----

BAD_HEADS = {
    "status-crlf": ("200 OK\r\nX-Injected: yes", []),
    "status-lf": ("200 OK\nX-Injected: yes", []),
    "status-not-numeric": ("OK", []),
    "status-letters-in-code": ("2x0 OK", []),
    "status-no-space": ("200OK", []),
    "status-bytes": (b"200 OK", []),
    # WSGI has no interim responses: a 1xx "final" status would leave the client waiting.
    "status-100": ("100 Continue", []),
    "status-103": ("103 Early Hints", []),
    "name-crlf": ("200 OK", [("X-A\r\nX-Injected", "yes")]),
    "name-nul": ("200 OK", [("X-A\x00", "yes")]),
    "name-space": ("200 OK", [("X Bad", "yes")]),
    "name-colon": ("200 OK", [("X-Injected:", "yes")]),
    "name-empty": ("200 OK", [("", "yes")]),
    "name-bytes": ("200 OK", [(b"X-A", "yes")]),
    "value-cr": ("200 OK", [("X-A", "a\rX-Injected: yes")]),
    "value-lf": ("200 OK", [("X-A", "a\nX-Injected: yes")]),
    "value-crlf": ("200 OK", [("X-A", "a\r\nX-Injected: yes")]),
    "value-nul": ("200 OK", [("X-A", "a\x00X-Injected: yes")]),
    "value-non-latin1": ("200 OK", [("X-A", "price \u20ac5")]),
    "value-int": ("200 OK", [("X-A", 5)]),
    "hop-connection": ("200 OK", [("Connection", "close")]),
    "hop-transfer-encoding": ("200 OK", [("Transfer-Encoding", "chunked")]),
    "hop-keep-alive": ("200 OK", [("Keep-Alive", "timeout=5")]),
    "hop-upgrade": ("200 OK", [("Upgrade", "websocket")]),
    "hop-te": ("200 OK", [("TE", "trailers")]),
    "hop-trailer": ("200 OK", [("Trailer", "X-A")]),
    "hop-proxy-authenticate": ("200 OK", [("Proxy-Authenticate", "Basic")]),
    "headers-tuple": ("200 OK", (("X-A", "yes"),)),
    "headers-dict": ("200 OK", {"X-A": "yes"}),
    "headers-none": ("200 OK", None),
    "item-three-tuple": ("200 OK", [("X-A", "yes", "extra")]),
    "item-one-tuple": ("200 OK", [("X-A",)]),
    "item-list": ("200 OK", [["X-A", "yes"]]),
    "item-str": ("200 OK", ["X-A: yes"]),
    "content-length-letters": ("200 OK", [("Content-Length", "abc")]),
    "content-length-negative": ("200 OK", [("Content-Length", "-1")]),
    "content-length-list": ("200 OK", [("Content-Length", "5, 5")]),
    "content-length-conflict": ("200 OK", [("Content-Length", "5"), ("Content-Length", "6")]),
}


def bad_head(environ, start_response):
    status, headers = BAD_HEADS[environ["PATH_INFO"].rsplit("/", 1)[1]]
    start_response(status, headers)
    return [b"should not be sent"]


GOOD_HEADS = {
    "status-code-only": ("200", []),
    "status-custom-reason": ("299 Fine Thanks", []),
    "status-latin1-reason": ("200 Caf\xe9", []),
    "value-latin1": ("200 OK", [("X-Latin1", "caf\xe9")]),
    "repeated-header": ("200 OK", [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]),
}


def good_head(environ, start_response):
    status, headers = GOOD_HEADS[environ["PATH_INFO"].rsplit("/", 1)[1]]
    start_response(status, headers + [("Content-Length", "2")])
    return [b"ok"]


# --- body framing -------------------------------------------------------------------------------

def list_body(environ, start_response):
    # No Content-Length: the server can count a list of bytes and send one.
    start_response("200 OK", list(TEXT))
    return [b"hello ", b"world"]


def generator_body(environ, start_response):
    # No Content-Length and a length the server cannot know: chunked (HTTP/1.1) or close-delimited (1.0).
    def body():
        yield b"hello "
        yield b"world"
    start_response("200 OK", list(TEXT))
    return body()


def list_iterator_body(environ, start_response):
    # What Django's HttpResponse returns: an iterator over chunks that all exist already.
    # Many small chunks: were each one flushed as it came, the body would leave in several pieces.
    start_response("200 OK", list(TEXT))
    return iter([bytes([c]) for c in b"hello world" * 200])


BIG_CHUNKS = (b"a" * 200_000, b"b" * 300_000, b"c" * 7)


def list_iterator_big(environ, start_response):
    # Chunks several times the server's write slice, given as a tuple's iterator, length declared.
    start_response("200 OK", TEXT + [("Content-Length", str(sum(map(len, BIG_CHUNKS))))])
    return iter(BIG_CHUNKS)


def declared_length(environ, start_response):
    start_response("200 OK", TEXT + [("Content-Length", "11")])
    return [b"hello ", b"world"]


def too_long(environ, start_response):
    # Declares 5 bytes and yields 8: only 5 may reach the client. The generator is left
    # unfinished, so its finally block shows the server closed it.
    tag = tag_of(environ)

    def body():
        try:
            yield b"abc"
            yield b"defgh"
            yield b"never pulled"
        finally:
            record(tag)
    start_response("200 OK", TEXT + [("Content-Length", "5")])
    return body()


def too_short(environ, start_response):
    # Declares 10 bytes and sends 5: the client must be able to tell the body is incomplete.
    start_response("200 OK", TEXT + [("Content-Length", "10")])
    return [b"hello"]


def write_past_length(environ, start_response):
    # Keeps writing after its 5 declared bytes (write() and the iterable): the client gets 5
    # bytes and the log says so once, not once per extra write.
    write = start_response("200 OK", TEXT + [("Content-Length", "5")])
    write(b"abc")
    write(b"defgh")
    write(b"ijk")
    return [b"lmn", b"opq"]


def no_content(environ, start_response):
    start_response("204 No Content", [])
    return [b"a 204 has no body"]


def not_modified(environ, start_response):
    def body():
        yield b"a 304 has no body"
    start_response("304 Not Modified", [("ETag", '"v1"')])
    return body()


# --- app errors -----------------------------------------------------------------------------------

def error_before_start(environ, start_response):
    raise BeforeStartError("raised before start_response")


def error_after_data(environ, start_response):
    def body():
        yield b"first chunk"
        raise AfterDataError("raised after the first chunk")
    start_response("200 OK", list(TEXT))
    return body()


def returns_none(environ, start_response):
    start_response("200 OK", list(TEXT))
    return None


def str_body(environ, start_response):
    start_response("200 OK", list(TEXT))
    return ["text, not bytes"]


def str_after_data(environ, start_response):
    def body():
        yield b"bytes first"
        yield "then a str"
    start_response("200 OK", list(TEXT))
    return body()


def str_in_list(environ, start_response):
    # A list with a str after bytes: the server cannot count it, so the first item goes out
    # chunked before the str is found.
    start_response("200 OK", list(TEXT))
    return [b"bytes item", "str item"]


def str_in_list_iterator(environ, start_response):
    # The same list behind iter(), as Django's HttpResponse hands out its chunks.
    start_response("200 OK", list(TEXT))
    return iter([b"bytes item", "str item"])


def no_start_response(environ, start_response):
    return []


def no_start_response_with_data(environ, start_response):
    return [b"data without a status"]


def start_calling_conventions(environ, start_response):
    # Every way Python code can call start_response, and calls it must refuse with a TypeError the
    # app can catch. The body lists one outcome a line; the last call's status is the response's.
    try:
        raise RuntimeError("replacing the head")
    except RuntimeError:
        exc = sys.exc_info()
    call_slot = type(start_response).__call__
    calls = [
        ("no headers", lambda: start_response("200 OK")),
        ("four arguments", lambda: start_response("200 OK", [], None, None)),
        ("keyword status", lambda: start_response(status="200 OK", response_headers=[])),
        ("unknown keyword", lambda: start_response("200 OK", [], headers=[])),
        ("unknown keyword, call slot", lambda: call_slot(start_response, "200 OK", [], headers=[])),
        # The first accepted call; each later one replaces the head, as exc_info allows.
        ("positional", lambda: start_response("201 Created", list(TEXT))),
        ("exc_info keyword", lambda: start_response("202 Accepted", list(TEXT), exc_info=exc)),
        ("star arguments", lambda: start_response(*("203 Non-Authoritative Information", list(TEXT)), **{"exc_info": exc})),
        ("partial", lambda: functools.partial(start_response, "205 Reset Content")(list(TEXT), exc)),
        ("call slot", lambda: call_slot(start_response, "206 Partial Content", list(TEXT), exc)),
        ("exc_info keyword, call slot", lambda: call_slot(start_response, "207 Multi-Status", list(TEXT), exc_info=exc)),
    ]
    outcomes = []
    for name, call in calls:
        try:
            call()
            outcomes.append(f"{name}: accepted")
        except TypeError as error:
            outcomes.append(f"{name}: TypeError: {error}")
    return ["\n".join(outcomes).encode()]


# --- close() of the iterable ----------------------------------------------------------------------

def close_ok(environ, start_response):
    start_response("200 OK", list(TEXT))
    return Tracked(tag_of(environ), [b"first,", b"second"])


def close_raises_before_data(environ, start_response):
    start_response("200 OK", list(TEXT))
    return Tracked(tag_of(environ), [b"never sent"], raise_at=0)


def close_raises_after_data(environ, start_response):
    start_response("200 OK", list(TEXT))
    return Tracked(tag_of(environ), [b"sent", b"never sent"], raise_at=1)


class UniterableTracked(Tracked):
    """iter() itself fails: the server never gets an iterator, but close() is still due."""

    def __iter__(self):
        raise RuntimeError("__iter__ failed on purpose")


def close_iter_raises(environ, start_response):
    start_response("200 OK", list(TEXT))
    return UniterableTracked(tag_of(environ), [])


class FailingClose(Tracked):
    """close() records the call, then raises: the server must log it and still finish the response."""

    def close(self):
        super().close()
        raise OSError("close failed on purpose")


def close_raises(environ, start_response):
    start_response("200 OK", TEXT + [("Content-Length", "4")])
    return FailingClose(tag_of(environ), [b"body"])


class Endless:
    """An endless iterable (not a generator) of 64 KiB chunks whose close() is recorded."""

    def __init__(self, tag):
        self.tag = tag

    def __iter__(self):
        return self

    def __next__(self):
        return b"x" * 65536

    def close(self):
        record(self.tag)


def close_endless(environ, start_response):
    start_response("200 OK", list(TEXT))
    return Endless(tag_of(environ))


def close_endless_generator(environ, start_response):
    tag = tag_of(environ)

    def body():
        try:
            while True:
                yield b"y" * 65536
        finally:
            record(tag)
    start_response("200 OK", list(TEXT))
    return body()


ROUTES = {
    "/hello": hello,
    "/closed": close_tracker.closed_route,
    "/write/order": write_order,
    "/write/str": write_str,
    "/start/twice": start_twice,
    "/start/exc-info-before-headers": exc_info_before_headers,
    "/start/exc-info-after-headers": exc_info_after_headers,
    "/start/in-generator": start_in_generator,
    "/start/empty-then-raise": empty_then_raise,
    "/start/calling-conventions": start_calling_conventions,
    "/body/list": list_body,
    "/body/generator": generator_body,
    "/body/list-iterator": list_iterator_body,
    "/body/list-iterator-big": list_iterator_big,
    "/body/declared-length": declared_length,
    "/body/too-long": too_long,
    "/body/too-short": too_short,
    "/body/write-past-length": write_past_length,
    "/body/204": no_content,
    "/body/304": not_modified,
    "/error/before-start": error_before_start,
    "/error/after-data": error_after_data,
    "/error/none": returns_none,
    "/error/str-body": str_body,
    "/error/str-after-data": str_after_data,
    "/error/str-in-list": str_in_list,
    "/error/str-in-list-iterator": str_in_list_iterator,
    "/error/no-start-response": no_start_response,
    "/error/no-start-response-with-data": no_start_response_with_data,
    "/close/ok": close_ok,
    "/close/raises-before-data": close_raises_before_data,
    "/close/raises-after-data": close_raises_after_data,
    "/close/raises-in-close": close_raises,
    "/close/iter-raises": close_iter_raises,
    "/close/endless": close_endless,
    "/close/endless-generator": close_endless_generator,
}


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path.startswith("/bad/"):
        return bad_head(environ, start_response)
    if path.startswith("/good/"):
        return good_head(environ, start_response)
    return ROUTES[path](environ, start_response)
