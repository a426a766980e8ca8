"""Test app: how malloc served two 200 KB blocks in a row on the Python thread, as the worker's
first request found it ("mapped": a mapping of its own; "arena": the thread's malloc arena).

glibc maps blocks from 128 KiB up until the program frees a mapped one, then raises that threshold
to the freed block's size; fixed thresholds (a worker's MallocTuning) serve both from the arena."""
import ctypes


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


_libc = ctypes.CDLL(None)
_libc.mallinfo2.restype = MallInfo2
_first = None


def _probe():
    found = []
    for _ in range(2):
        before = _libc.mallinfo2().hblkhd
        block = bytearray(200_000)
        found.append("mapped" if _libc.mallinfo2().hblkhd - before >= 200_000 else "arena")
        del block
    return " ".join(found)


def application(environ, start_response):
    global _first
    if _first is None:
        _first = _probe()
    body = _first.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
