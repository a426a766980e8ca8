"""Test app: runs a script of wsgi.input calls given in the query string and reports what each returned.

The query string is a comma-separated list of calls, run in order:
    read          read()            read:N     read(N)       read:none  read(None)
    readline      readline()        readline:N readline(N)
    readlines     readlines()       readlines:N readlines(N)
    iter          list(wsgi.input)  (iteration until the end of the body)
The answer is JSON: {"results": [[call, value], ...], ...} where bytes are given as latin-1 text
(one character per byte) and a list of lines as a list of such texts. An empty query reads nothing,
which is what the Expect: 100-continue tests need.
"""
import json


def _text(value):
    if isinstance(value, list):
        return [_text(item) for item in value]
    if not isinstance(value, bytes):
        # Reported rather than raised so a wrong type shows up in the test's assertion message.
        return "NOT BYTES: %s" % type(value).__name__
    return value.decode("latin-1")


def _call(stream, call):
    name, _, argument = call.partition(":")
    if name == "iter":
        return list(stream)
    method = getattr(stream, name)
    if argument == "":
        return method()
    return method(None if argument == "none" else int(argument))


def application(environ, start_response):
    stream = environ["wsgi.input"]
    calls = [call for call in environ.get("QUERY_STRING", "").split(",") if call]
    results = [[call, _text(_call(stream, call))] for call in calls]
    report = {
        "results": results,
        "content_length": environ.get("CONTENT_LENGTH"),
        "transfer_encoding": environ.get("HTTP_TRANSFER_ENCODING"),
        "input_terminated": environ.get("wsgi.input_terminated"),
        "path": environ.get("PATH_INFO"),
    }
    payload = json.dumps(report).encode("ascii")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
