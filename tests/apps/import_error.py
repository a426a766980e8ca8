"""Test app that cannot be imported: raises while its module loads."""


def _configure():
    raise RuntimeError("lifecycle test: this app refuses to import")


_configure()


def application(environ, start_response):
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]
