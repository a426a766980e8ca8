"""Test app for request limits: says on wsgi.errors that it was called, so a test can tell a request
the server refused from one the app answered, then answers with the body's size.

Query ``read`` reads the whole body (a read that fails raises, so the server answers the failure);
``swallow`` reads it and answers 200 "read failed" when the read raises instead.
"""


def application(environ, start_response):
    errors = environ["wsgi.errors"]
    errors.write("limits_probe called: %s %s\n" % (environ["REQUEST_METHOD"], environ["PATH_INFO"]))
    errors.flush()
    query = environ.get("QUERY_STRING", "")
    size = 0
    if query in ("read", "swallow"):
        try:
            size = len(environ["wsgi.input"].read())
        except OSError as error:
            if query == "read":
                raise
            body = ("read failed: %s" % error).encode("utf-8")
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
    body = ("read %d bytes" % size).encode("ascii")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
