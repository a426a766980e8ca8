# Run once at start-up by Dram to find the WSGI callable named on the command line
# (MODULE[:CALLABLE], where CALLABLE may be a factory call with literal arguments).
import ast
import importlib
import sys


class AppLoadError(Exception):
    """A problem with the app reference itself: reported without a traceback."""


def _parse(spec):
    module_name, _, expression = spec.partition(":")
    if not module_name:
        raise AppLoadError(
            f"'{spec}' names no module. Use MODULE[:CALLABLE], e.g. mysite.wsgi:application."
        )
    expression = expression or "application"
    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        raise AppLoadError(
            f"Could not parse '{expression}' in '{spec}' as an attribute name or a function call."
        ) from None
    if isinstance(node, ast.Name):
        return module_name, node.id, None, None
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise AppLoadError(
                f"The factory in '{spec}' must be a plain name, e.g. create_app() or create_app('prod')."
            )
        if any(k.arg is None for k in node.keywords):
            raise AppLoadError(
                f"The arguments of '{expression}' in '{spec}' must be Python literals "
                f"written out, e.g. create_app(debug=True); **mapping is not accepted."
            )
        try:
            args = [ast.literal_eval(a) for a in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
        except ValueError:
            raise AppLoadError(
                f"The arguments of '{expression}' in '{spec}' must be Python literals (strings, numbers, ...)."
            ) from None
        return module_name, node.func.id, args, kwargs
    raise AppLoadError(
        f"'{expression}' in '{spec}' is neither an attribute name nor a function call."
    )


def _kind(obj):
    name = type(obj).__name__
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


def load(spec):
    module_name, name, args, kwargs = _parse(spec)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        missing = e.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            raise AppLoadError(
                f"No module named '{missing}' (looking for '{module_name}').\n"
                f"sys.path[0] is {sys.path[0]!r}; set --chdir to the directory that holds "
                f"'{module_name.split('.')[0]}', add --pythonpath, or install it into {sys.executable}."
            ) from None
        raise
    try:
        obj = getattr(module, name)
    except AttributeError:
        found = sorted(
            k for k, v in vars(module).items() if callable(v) and not k.startswith("_")
            and getattr(v, "__module__", module_name) == module_name
        )
        hint = f" Callables it defines: {', '.join(found)}." if found else ""
        raise AppLoadError(
            f"Failed to find attribute '{name}' in '{module_name}' ({getattr(module, '__file__', '?')}).{hint}"
        ) from None
    if args is not None:
        if not callable(obj):
            raise AppLoadError(f"'{module_name}:{name}' is {_kind(obj)}, so it cannot be called as a factory.")
        obj = obj(*args, **kwargs)
        if obj is None:
            raise AppLoadError(f"The factory '{spec.partition(':')[2]}' returned None instead of a WSGI application.")
    if not callable(obj):
        raise AppLoadError(
            f"Application object must be callable: '{spec}' is {_kind(obj)}."
        )
    return obj
