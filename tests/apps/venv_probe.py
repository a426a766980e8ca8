"""Needs a module that is installed only in a virtualenv's site-packages."""
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
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
