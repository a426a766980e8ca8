# Used by Dram's --reload in each worker: finds the source files of the modules the app has
# imported under the app's own directories, so the master can watch them. The interpreter's
# libraries (stdlib, site-packages, dist-packages, a virtualenv inside the project) are left out.
# Runs at start-up and every few seconds, never per request.
import importlib.util
import os
import sys
import sysconfig

_reported = set()
_modules_seen = -1


def _library_directories():
    found = set()
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            path = sysconfig.get_path(name)
        except KeyError:
            continue
        if path:
            found.add(os.path.join(os.path.abspath(path), ""))
    return tuple(found)


_LIBRARIES = _library_directories()


def _source_of(filename):
    if filename.endswith((".pyc", ".pyo")):
        try:
            return importlib.util.source_from_cache(filename)
        except ValueError:
            return filename[:-1]
    return filename


def new_source_files(roots):
    """The files not returned before, one per line ("" when none)."""
    global _modules_seen
    modules = tuple(sys.modules.values())
    if len(modules) == _modules_seen:
        return ""
    _modules_seen = len(modules)
    prefixes = tuple(os.path.join(os.path.abspath(root), "") for root in roots)
    found = []
    for module in modules:
        filename = getattr(module, "__file__", None)
        if not isinstance(filename, str):
            continue
        path = os.path.abspath(_source_of(filename))
        if path in _reported:
            continue
        _reported.add(path)
        if "\n" in path or not path.startswith(prefixes) or path.startswith(_LIBRARIES):
            continue
        parts = path.split(os.sep)
        if "site-packages" in parts or "dist-packages" in parts:
            continue
        if os.path.isfile(path):
            found.append(path)
    return "\n".join(sorted(found))
