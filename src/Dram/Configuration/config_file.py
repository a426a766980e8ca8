# Run by Dram to read a config file the way Gunicorn does: a Python file (or python:MODULE) whose
# module-level names are settings. Values are described here and converted to settings in C#.
import importlib
import importlib.machinery
import importlib.util
import inspect
import os
import sys
import sysconfig
import traceback
import types

_HELPER = __name__
_IMPORTLIB = os.path.dirname(importlib.__file__) + os.sep


def _user_frames(tb):
    # The frames of this helper and of the import machinery say nothing to the config's author.
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not (name.startswith(("<frozen", _IMPORTLIB)) or name == "<string>"
                or tb.tb_frame.f_globals.get("__name__") == _HELPER):
            break
        tb = tb.tb_next
    return tb


def load(location):
    """Executes the config; returns (namespace, None), or (None, (summary, traceback text))."""
    module_name = location[len("python:"):] if location.startswith("python:") else None
    try:
        if module_name is not None:
            module = importlib.import_module(module_name)
        else:
            path = location[len("file:"):] if location.startswith("file:") else location
            # Any file name works, as with Gunicorn: the loader is chosen instead of guessed from the suffix.
            loader = importlib.machinery.SourceFileLoader("__config__", path)
            spec = importlib.util.spec_from_file_location("__config__", path, loader=loader)
            module = importlib.util.module_from_spec(spec)
            sys.modules["__config__"] = module
            spec.loader.exec_module(module)
    except ModuleNotFoundError as e:
        if module_name is not None and e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
            # The config module itself is missing: where it was looked for says more than a traceback.
            return None, (f"No module named '{e.name}'. It was looked for in sys.path, which starts "
                          f"{sys.path[:3]!r}; run dram from the directory holding it, or give --chdir.", "")
        return None, _failure(e, location)
    except BaseException as e:
        return None, _failure(e, location)
    return vars(module), None


def _failure(e, location):
    """(one-line summary, traceback text) for a config that raised."""
    tb = _user_frames(e.__traceback__)
    summary = f"{type(e).__name__}: {e}"
    if tb is not None and not isinstance(e, SyntaxError):
        # A SyntaxError's text names the file and line already. Otherwise the line named is the
        # deepest in the config's own code, not in the library function that raised.
        stdlib = sysconfig.get_paths()["stdlib"] + os.sep
        frames = traceback.extract_tb(tb)
        own = [f for f in frames if f.filename == location] or \
              [f for f in frames if not f.filename.startswith(("<", stdlib))] or frames
        summary += f" (at {own[-1].filename}, line {own[-1].lineno})"
    detail = "".join(traceback.format_exception(type(e), e, tb)).rstrip()
    return summary, detail


def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise TypeError


def _describe(value):
    if value is None:
        return "none", []
    if isinstance(value, bool):
        return "bool", ["true" if value else "false"]
    if isinstance(value, int):
        return "int", [str(value)]
    if isinstance(value, float):
        return "float", [repr(value)]
    if isinstance(value, str):
        return "str", [value]
    try:
        if isinstance(value, dict):
            return "dict", [f"{_scalar(k)}={_scalar(v)}" for k, v in value.items()]
        if isinstance(value, (set, frozenset)):
            return "list", sorted(_scalar(v) for v in value)
        if isinstance(value, (list, tuple)):
            return "list", [_scalar(v) for v in value]
    except TypeError:
        return "nested", []
    if callable(value):
        return "callable", []
    return "other", []


def entries(namespace):
    """(name, kind, texts, repr, type name) for every public module-level name but imported modules."""
    found = []
    for name, value in namespace.items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        kind, texts = _describe(value)
        try:
            text = repr(value)
        except Exception:
            text = f"<{type(value).__name__}>"
        if len(text) > 200:
            text = text[:197] + "..."
        found.append((name, kind, texts, text, type(value).__name__))
    return found


def accepted_arity(fn, counts):
    """The first of counts the callable can be called with positionally, or -1."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return counts[0]
    for count in counts:
        try:
            signature.bind(*([None] * count))
            return count
        except TypeError:
            pass
    return -1
