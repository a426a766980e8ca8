"""Test app: reads a whole upload in fixed-size pieces, as a streaming upload handler would, and counts it.

The tests send bytes whose value at offset i is i % 251, so the app can check that every byte
arrived in order without holding more than one piece in memory. The piece size is the query
string (default 65536). Answers JSON: total bytes, number of reads, largest piece, and whether
every piece matched the pattern.
"""
import json

_PERIOD = 251
_PATTERN = bytes(range(_PERIOD))


def application(environ, start_response):
    piece = int(environ.get("QUERY_STRING") or 65536)
    expected = _PATTERN * (piece // _PERIOD + 2)
    stream = environ["wsgi.input"]
    total = reads = largest = 0
    pattern_ok = True
    while True:
        data = stream.read(piece)
        if not data:
            break
        start = total % _PERIOD
        if data != expected[start:start + len(data)]:
            pattern_ok = False
        total += len(data)
        reads += 1
        largest = max(largest, len(data))
    payload = json.dumps({"bytes": total, "reads": reads, "largest": largest, "pattern_ok": pattern_ok}).encode("ascii")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
