"""An app with a Python thread of its own: it ticks once a millisecond, and /ticks reports the count.

It can tick only while no request thread holds the GIL, so the count shows whether the server's
Python threads give the GIL up when idle and between requests. The interpreter's switch interval
is set to half a second, so a request thread that kept the GIL would not be made to hand it over
every 5 ms either.
"""
import os
import sys
import threading
import time

sys.setswitchinterval(0.5)

ticks = 0


def _tick():
    global ticks
    while True:
        time.sleep(0.001)
        ticks += 1


threading.Thread(target=_tick, name="ticker", daemon=True).start()


def application(environ, start_response):
    # Anything else answers as the tests' load client expects.
    body = str(ticks) if environ["PATH_INFO"] == "/ticks" else f"pid={os.getpid()} version=ticks"
    body = body.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
