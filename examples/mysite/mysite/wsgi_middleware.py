"""
The stock WSGI application wrapped in a small WSGI middleware.

Serve it instead of mysite.wsgi to give every response an X-Request-Id header
and log one line per request to wsgi.errors (the server's error log):

    dram --chdir examples/mysite mysite.wsgi_middleware:application
"""
import uuid

from mysite.wsgi import application as django_application


class RequestIdMiddleware:
    """Tags each response with an id and logs it with the method, path and status."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        request_id = environ.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex

        def start_with_id(status, headers, exc_info=None):
            headers.append(("X-Request-Id", request_id))
            path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
            environ["wsgi.errors"].write(
                f"request {request_id} {environ['REQUEST_METHOD']} {path} -> {status}\n"
            )
            return start_response(status, headers, exc_info)

        # The iterable is returned untouched, so streaming, wsgi.file_wrapper
        # and close() behave exactly as without the middleware.
        return self.app(environ, start_with_id)


application = RequestIdMiddleware(django_application)
