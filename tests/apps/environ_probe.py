"""Test app: answers with a JSON report of the environ it was called with.

Request-side tests check keys, values and types against it. str, bool and int values are
reported as they are (JSON escapes keep every latin-1 character exact); every value's type is
reported by name, so a test can tell a str from bytes or a dict subclass from a dict.
The body is never read: a test that needs it uses input_probe.
"""
import json


def application(environ, start_response):
    report = {
        # PEP 3333 requires exactly the built-in dict, not a subclass or mapping.
        "environ_type": type(environ).__name__,
        "environ_is_dict": type(environ) is dict,
        "types": {key: type(value).__name__ for key, value in environ.items()},
        "values": {key: value for key, value in environ.items() if isinstance(value, (str, bool, int))},
        "wsgi_version": repr(environ["wsgi.version"]),
        "file_wrapper_callable": callable(environ.get("wsgi.file_wrapper")),
        "input_methods": [name for name in ("read", "readline", "readlines", "__iter__") if hasattr(environ["wsgi.input"], name)],
        "errors_methods": [name for name in ("write", "writelines", "flush") if hasattr(environ["wsgi.errors"], name)],
    }
    payload = json.dumps(report, sort_keys=True).encode("ascii")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
