# Loaded once per worker by Dram: the exception injected into a request's thread when it runs past
# --timeout, and the helper that shows where that thread was.
import sys
import traceback
import types


class RequestTimeout(BaseException):
    """Raised inside a request's thread when it ran longer than the server's --timeout.

    It derives from BaseException so a broad `except Exception:` in the app does not swallow it.
    """


def stack_of(ident):
    frame = sys._current_frames().get(ident)
    if frame is None:
        return "  (no Python frame: the thread is inside C code)"
    return "".join(traceback.format_stack(frame)).rstrip()


module = types.ModuleType("dram", "Names Dram provides to the apps it serves.")
module.RequestTimeout = RequestTimeout
sys.modules.setdefault("dram", module)
