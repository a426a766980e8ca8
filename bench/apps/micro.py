"""Plain PEP 3333 app for the benchmark endpoints that need no framework.

    GET  /10k    a 10 KiB body with Content-Length (the response-writing path)
    POST /echo   reads wsgi.input to the end in 8 KiB pieces, answers the byte count
                 (the request-body path: 64 KiB posted by wrk/post_64k.lua)
    GET  /sleep  waits 10 ms in time.sleep(), then answers "slept": a handler that
                 spends its time waiting on I/O (a database, an upstream API) rather
                 than on CPU. It shows how many requests a server keeps in flight.
    GET  /work   runs a fixed pure-Python workload and answers, as JSON, how long it
                 took (wall and this thread's CPU time) and the interpreter settings
                 that change how fast Python code runs: whether app code is slower
                 inside one server than inside another, apart from the server's own
                 per-request cost (used by tools/app_speed.py, not by the matrix).

Kept in its own module (not hello.py) so that the hello row stays a single
function call with no routing, as in the peers' earlier results.
"""
import gc
import json
import sys
import threading
import time

BODY_10K = (b'0123456789abcdef' * 64) * 10          # 10240 bytes
SLEEP_S = 0.010
READ_CHUNK = 8192


def _respond(start_response, body, status='200 OK'):
    start_response(status, [('Content-Type', 'text/plain'),
                            ('Content-Length', str(len(body)))])
    return [body]


def _read_all(environ):
    """Read the request body as a framework would: bounded reads up to CONTENT_LENGTH.

    Reading past CONTENT_LENGTH is not allowed by PEP 3333 on every server, so the
    loop stops at the announced length (or at EOF if the body is shorter).
    """
    stream = environ['wsgi.input']
    remaining = int(environ.get('CONTENT_LENGTH') or 0)
    total = 0
    while remaining > 0:
        piece = stream.read(min(READ_CHUNK, remaining))
        if not piece:
            break
        total += len(piece)
        remaining -= len(piece)
    return total


def _workload():
    """String formatting, dict building and iteration: the kind of work Django does."""
    table = {}
    for i in range(20000):
        table['key-%d' % i] = (i * 7) % 13
    total = 0
    for key, value in table.items():
        total += len(key) * value
    return total


def _work_report():
    t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
    result = _workload()
    t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
    return json.dumps({
        'wall_us': (t1 - t0) // 1000, 'cpu_us': (c1 - c0) // 1000, 'result': result,
        'trace': repr(sys.gettrace()), 'profile': repr(sys.getprofile()),
        'switch_interval': sys.getswitchinterval(), 'gc_enabled': gc.isenabled(),
        'optimize': sys.flags.optimize, 'dev_mode': sys.flags.dev_mode,
        'threads': threading.active_count(), 'executable': sys.executable,
        'main_thread': threading.current_thread() is threading.main_thread(),
    }).encode()


def application(environ, start_response):
    path = environ.get('PATH_INFO', '')
    method = environ['REQUEST_METHOD']
    if path == '/10k' and method == 'GET':
        return _respond(start_response, BODY_10K)
    if path == '/echo' and method == 'POST':
        return _respond(start_response, str(_read_all(environ)).encode())
    if path == '/work' and method == 'GET':
        return _respond(start_response, _work_report())
    if path == '/sleep' and method == 'GET':
        time.sleep(SLEEP_S)
        return _respond(start_response, b'slept')
    return _respond(start_response, b'not found', '404 Not Found')
