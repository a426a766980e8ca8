"""Test app for streaming and threads: bodies paced by the test, endless bodies, sleeping requests.

/stream?tag=T&chunks=N   yields "chunk-1;" ... "chunk-N;", waiting after each one until the test
                         calls /release?tag=T (from another connection, so run with --threads >= 2).
                         If no release comes within 10 s it yields "TIMEOUT;" and stops, so a
                         server that holds chunks back fails the test instead of hanging it.
/endless?tag=T           64 KiB chunks forever; /pulled?tag=T says how many the server took,
                         /closed?tag=T whether the generator was closed.
/write-endless?tag=T     write()s 64 KiB chunks forever; write() must raise once the client is gone,
                         and /closed?tag=T then counts the OSError the app caught.
/sleep?s=S               sleeps S seconds (time.sleep releases the GIL), then names its thread;
                         /sleeping says how many requests are inside that sleep right now.
/thread-policy           the Linux scheduling policy of a thread the app starts (0: SCHED_OTHER).
"""
import os
import threading
import time
import urllib.parse

import close_tracker
from close_tracker import record, tag_of

_releases = {}
_pulled = {}
_sleeping = [0]
_sleeping_lock = threading.Lock()  # += is not atomic across threads
CHUNK = b"z" * 65536


def _release_for(tag):
    # dict.setdefault is atomic under the GIL: both requests end up with the same semaphore.
    return _releases.setdefault(tag, threading.Semaphore(0))


def _text(start_response, text):
    body = text.encode("ascii")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def stream(environ, start_response):
    tag = tag_of(environ)
    chunks = int(urllib.parse.parse_qs(environ["QUERY_STRING"])["chunks"][0])
    release = _release_for(tag)

    def body():
        for i in range(1, chunks + 1):
            yield f"chunk-{i};".encode("ascii")
            if i < chunks and not release.acquire(timeout=10):
                yield b"TIMEOUT;"
                return
    start_response("200 OK", [("Content-Type", "text/plain")])
    return body()


def endless(environ, start_response):
    tag = tag_of(environ)
    _pulled[tag] = 0

    def body():
        try:
            while True:
                _pulled[tag] += 1
                yield CHUNK
        finally:
            record(tag)
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return body()


def write_endless(environ, start_response):
    tag = tag_of(environ)
    write = start_response("200 OK", [("Content-Type", "application/octet-stream")])
    try:
        while True:
            write(CHUNK)
    except OSError:
        record(tag)
    return []


def sleep(environ, start_response):
    seconds = float(urllib.parse.parse_qs(environ["QUERY_STRING"])["s"][0])
    with _sleeping_lock:
        _sleeping[0] += 1
    try:
        time.sleep(seconds)
    finally:
        with _sleeping_lock:
            _sleeping[0] -= 1
    return _text(start_response, threading.current_thread().name + " " + str(threading.get_ident()))


def application(environ, start_response):
    route = environ["PATH_INFO"]
    if route == "/stream":
        return stream(environ, start_response)
    if route == "/release":
        _release_for(tag_of(environ)).release()
        return _text(start_response, "released")
    if route == "/endless":
        return endless(environ, start_response)
    if route == "/write-endless":
        return write_endless(environ, start_response)
    if route == "/pulled":
        return _text(start_response, str(_pulled.get(tag_of(environ), 0)))
    if route == "/closed":
        return close_tracker.closed_route(environ, start_response)
    if route == "/sleep":
        return sleep(environ, start_response)
    if route == "/sleeping":
        return _text(start_response, str(_sleeping[0]))
    if route == "/hello":
        return _text(start_response, "hello")
    if route == "/thread-policy":
        policy = []
        started = threading.Thread(target=lambda: policy.append(os.sched_getscheduler(0)))
        started.start()
        started.join()
        return _text(start_response, str(policy[0]))
    raise LookupError(route)
