"""Reports on stderr whether anything listens on $DRAM_TEST_PORT while it is imported, then fails."""
import os
import socket
import sys

port = int(os.environ["DRAM_TEST_PORT"])
probe = socket.socket()
try:
    probe.connect(("127.0.0.1", port))
    state = "accepted"
except ConnectionRefusedError:
    state = "refused"
finally:
    probe.close()
print(f"port {port} during import: {state}", file=sys.stderr, flush=True)
raise SystemExit("probes_port_then_raises: giving up on purpose")
