"""Reports how it was loaded: sys.path, the working directory and the environment at import time."""
import json
import os
import sys

ENVIRON_AT_IMPORT = dict(os.environ)
CWD_AT_IMPORT = os.getcwd()


def application(environ, start_response):
    body = json.dumps({
        "sys_path": sys.path,
        "cwd_at_import": CWD_AT_IMPORT,
        "environ_at_import": ENVIRON_AT_IMPORT,
        "argv": sys.argv,
        "name": __name__,
        "file": __file__,
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
