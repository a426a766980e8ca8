"""Reports which interpreter runs it: version, prefixes, executable, sys.path, and that its C extension modules load."""
import json
import sys
import sysconfig

# Extension modules from the interpreter's own lib-dynload (or built in): they only import when
# the embedded libpython and the stdlib on sys.path belong to the same build.
import _json  # noqa: F401
import math  # noqa: F401
import select  # noqa: F401
import _struct  # noqa: F401


def describe():
    return {
        "version": sys.version,
        "version_info": list(sys.version_info[:3]),
        "implementation": sys.implementation.name,
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "exec_prefix": sys.exec_prefix,
        "executable": sys.executable,
        "stdlib": sysconfig.get_path("stdlib"),
        "purelib": sysconfig.get_path("purelib"),
        "path": sys.path,
    }


def application(environ, start_response):
    body = json.dumps(describe()).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


if __name__ == "__main__":
    print(json.dumps(describe()))
