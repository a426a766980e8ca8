"""Application factories: create_app(*args, **kwargs) returns an app that echoes its arguments."""
import json

CALLS = []


def create_app(*args, **kwargs):
    CALLS.append([list(args), kwargs])

    def application(environ, start_response):
        body = json.dumps({"args": list(args), "kwargs": kwargs, "calls": len(CALLS)}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return application


def returns_none():
    return None


def returns_string():
    return "not an app"


def raises():
    raise ValueError("factory refused: missing SECRET_KEY")
