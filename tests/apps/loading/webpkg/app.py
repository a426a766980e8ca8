"""A WSGI app inside a package, loaded as webpkg.app:application."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"from webpkg.app"]
