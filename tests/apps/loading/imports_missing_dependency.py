"""An app module that exists but imports a package that is not installed."""
import dram_test_absent_dependency  # noqa: F401


def application(environ, start_response):
    start_response("200 OK", [])
    return [b"unreachable"]
