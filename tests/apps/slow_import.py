"""An app whose import takes as many seconds as the file named by $SLOW_IMPORT_FILE holds (none
when it is missing), so a test can make the next worker load slowly: write the file, send HUP.

GET / -> "pid=<worker pid> version=1", as tests/apps/lifecycle.py answers.
"""
import os
import time

_delay_file = os.environ.get("SLOW_IMPORT_FILE", "")
if _delay_file and os.path.exists(_delay_file):
    with open(_delay_file) as f:
        time.sleep(float(f.read()))


def application(environ, start_response):
    body = f"pid={os.getpid()} version=1".encode("ascii")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
