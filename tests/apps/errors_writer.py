"""Test app: writes to wsgi.errors with each of its methods, so tests can find the text in dram's log.

The query string is a marker the test chooses, so its lines cannot be confused with other output.
"""


def application(environ, start_response):
    marker = environ.get("QUERY_STRING", "")
    errors = environ["wsgi.errors"]
    errors.write("written %s\n" % marker)
    errors.writelines(["first of lines %s\n" % marker, "second of lines %s\n" % marker])
    errors.flush()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
