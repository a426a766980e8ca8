"""Test app: keeps one request's wsgi.input and reads from it during a later request.

PEP 3333 streams belong to their request. A kept stream must raise when used later, never hand
out another request's body; the later request's own stream must be untouched by the attempt.
"""
_kept = []


def application(environ, start_response):
    if environ["PATH_INFO"] == "/keep":
        _kept.append(environ["wsgi.input"])
        answer = b"kept"
    else:
        try:
            answer = b"read " + _kept[-1].read(100)
        except Exception as error:  # the type is the answer
            answer = type(error).__name__.encode("ascii")
        answer += b"|" + environ["wsgi.input"].read(100)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))])
    return [answer]
