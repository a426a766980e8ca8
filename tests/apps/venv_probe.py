"""Needs a module that is installed only in a virtualenv's site-packages."""
import importlib.util
import json
import sys

import dram_venv_only_module


def application(environ, start_response):
    body = json.dumps({
        "module_value": dram_venv_only_module.VALUE,
        "module_file": dram_venv_only_module.__file__,
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "executable": sys.executable,
        # ?django tells whether the module named in the query string can be imported here.
        "importable": importlib.util.find_spec(environ["QUERY_STRING"]) is not None if environ.get("QUERY_STRING") else None,
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
