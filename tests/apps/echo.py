"""Test app: answers with a JSON description of the request it saw."""
import json


def application(environ, start_response):
    body = environ["wsgi.input"].read()
    seen = {k: v for k, v in environ.items() if isinstance(v, (str, bool, int))}
    seen["wsgi.version"] = list(environ["wsgi.version"])
    seen["body_length"] = len(body)
    seen["environ_type"] = type(environ).__name__
    payload = json.dumps(seen, sort_keys=True).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
