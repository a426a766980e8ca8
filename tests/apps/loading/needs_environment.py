"""Reads its configuration from os.environ at import time, as twelve-factor apps do."""
import json
import os

GREETING = os.environ["DRAM_TEST_GREETING"]
FROM_PROCESS = os.environ.get("DRAM_TEST_FROM_PROCESS")


def application(environ, start_response):
    body = json.dumps({
        "greeting": GREETING,
        "from_process": FROM_PROCESS,
        "os_environ_now": os.environ.get("DRAM_TEST_GREETING"),
        "getenv_now": os.getenv("DRAM_TEST_GREETING"),
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
