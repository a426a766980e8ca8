"""Requests that each run about three milliseconds of pure Python (no I/O, no lock: nothing in
them gives the GIL up).

/stats reports two counts: requests run, and requests that ran on the same thread as the request
before them. With more requests than threads, a thread that ends a request should let a thread
waiting for the GIL have it, so consecutive requests run on different threads. A thread that took
the GIL straight back would run request after request until a waiter, having waited out the
interpreter's switch interval, forced a switch in the middle of one, wherever the app was: in a
real app, often inside a lock (asgiref's, behind every Django get_language()), which the threads
then queue on. The interval is set to 50 ms, so that such runs are long and no forced switch comes
between requests of a few milliseconds. Other paths answer as the tests' load client expects.
"""
import os
import sys
import threading

sys.setswitchinterval(0.05)

_finished = 0
_same_thread = 0
_last_thread = None


def _work():
    total = 0
    for i in range(120000):
        total += i
    return total


def application(environ, start_response):
    global _finished, _same_thread, _last_thread
    if environ["PATH_INFO"] == "/stats":
        body = f"{_finished} {_same_thread}".encode()
    else:
        me = threading.get_ident()
        if me == _last_thread:
            _same_thread += 1
        _last_thread = me
        _work()
        _finished += 1
        body = f"pid={os.getpid()} version=gil_turns".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
