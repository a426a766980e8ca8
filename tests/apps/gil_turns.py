"""Requests that each run about three milliseconds of Python, taking a threading.Lock thousands of
times on the way, as a Django page takes asgiref's lock in every get_language().

/stats reports two counts: requests run, and requests in whose middle another request started.
With more requests than threads, a thread that ends a request should let a thread waiting for the
GIL have it, so no request starts in the middle of another. A thread that took the GIL straight
back would run request after request until a waiter, having waited out the interpreter's switch
interval (5 ms), forced a switch in the middle of one, perhaps while it held the lock. Other paths
answer as the tests' load client expects.
"""
import os
import threading

_lock = threading.Lock()
_started = 0
_finished = 0
_interleaved = 0


def _work():
    total = 0
    for i in range(20000):
        with _lock:
            total += i
    return total


def application(environ, start_response):
    global _started, _finished, _interleaved
    if environ["PATH_INFO"] == "/stats":
        body = f"{_finished} {_interleaved}".encode()
    else:
        _started += 1
        mine = _started
        _work()
        if _started != mine:
            _interleaved += 1
        _finished += 1
        body = f"pid={os.getpid()} version=gil_turns".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
