# Loaded by Dram when a config file defines server hooks: the objects hooks receive (server,
# worker, req, resp), with the attributes Gunicorn's hooks use, and the guarded call that logs a
# hook's exception instead of letting it reach the server or the request.
import inspect
import json
import time
import traceback
from urllib.parse import urlsplit


class Log:
    """server.log / worker.log: lines go to Dram's error log, at the level of the method called."""

    def __init__(self, emit):
        self._emit = emit

    def _log(self, level, msg, args, exc_info):
        text = str(msg)
        if args:
            try:
                text = text % args
            except (TypeError, ValueError):
                text = f"{text} {args!r}"
        if exc_info:
            text += "\n" + traceback.format_exc().rstrip()
        self._emit(level, text)

    def debug(self, msg, *args, exc_info=False, **_):
        self._log(10, msg, args, exc_info)

    def info(self, msg, *args, exc_info=False, **_):
        self._log(20, msg, args, exc_info)

    def warning(self, msg, *args, exc_info=False, **_):
        self._log(30, msg, args, exc_info)

    warn = warning

    def error(self, msg, *args, exc_info=False, **_):
        self._log(40, msg, args, exc_info)

    def critical(self, msg, *args, exc_info=False, **_):
        self._log(50, msg, args, exc_info)

    def exception(self, msg, *args, exc_info=True, **_):
        self._log(40, msg, args, exc_info)

    def log(self, level, msg, *args, exc_info=False, **_):
        self._log(level, msg, args, exc_info)


class Config:
    """server.cfg / worker.cfg: every setting as an attribute (cfg.workers, cfg.bind...)."""

    def __init__(self, values):
        self.__dict__.update(values)

    def __getattr__(self, name):
        raise AttributeError(f"no setting named {name!r} (settings: {', '.join(sorted(self.__dict__))})")

    def __repr__(self):
        return "<dram config " + ", ".join(f"{k}={v!r}" for k, v in sorted(self.__dict__.items())) + ">"


class Server:
    """The master as hooks see it (Gunicorn's arbiter)."""

    def __init__(self, cfg, log, pid, num_workers):
        self.cfg = cfg
        self.log = log
        self.pid = pid
        self.num_workers = num_workers

    def __repr__(self):
        return f"<dram master pid={self.pid}>"


class Worker:
    """A worker as hooks see it; age counts the workers the master started (1 for the first)."""

    def __init__(self, cfg, log, pid, ppid, age):
        self.cfg = cfg
        self.log = log
        self.pid = pid
        self.ppid = ppid
        self.age = age
        self.booted = True
        self.started = time.time()

    def __repr__(self):
        return f"<dram worker {self.age} pid={self.pid}>"


class Request:
    """pre_request/post_request's req: the request line and headers as received."""

    __slots__ = ("method", "uri", "path", "query", "fragment", "version", "headers")

    def __init__(self, method, uri, version, headers):
        self.method = method
        self.uri = uri
        parts = urlsplit(uri)
        self.path = parts.path
        self.query = parts.query
        self.fragment = parts.fragment
        self.version = version
        self.headers = headers

    def __repr__(self):
        return f"<dram request {self.method} {self.uri}>"


class Response:
    """post_request's resp: what was sent."""

    __slots__ = ("status", "status_code", "headers", "sent")

    def __init__(self, status, status_code, headers, sent):
        self.status = status
        self.status_code = status_code
        self.headers = headers
        self.sent = sent

    def __repr__(self):
        return f"<dram response {self.status}>"


class Hooks:
    """The hooks a config file defines, called so that a failing one is logged and nothing more."""

    def __init__(self, namespace, names, settings_json, emit, source):
        self.log = Log(emit)
        self.cfg = Config(json.loads(settings_json))
        self.source = source
        self.functions = {name: namespace[name] for name in names if name in namespace}
        self.post_request_arity = 4
        if "post_request" in self.functions:
            try:
                parameters = inspect.signature(self.functions["post_request"]).parameters.values()
                positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
                if len(positional) in (2, 3) and not any(p.kind == p.VAR_POSITIONAL for p in parameters):
                    self.post_request_arity = len(positional)
            except (TypeError, ValueError):
                pass

    def server(self, pid, num_workers):
        return Server(self.cfg, self.log, pid, num_workers)

    def worker(self, pid, ppid, age):
        return Worker(self.cfg, self.log, pid, ppid, age)

    def call(self, name, *args):
        function = self.functions.get(name)
        if function is None:
            return
        if name == "post_request":
            args = args[:self.post_request_arity]
        try:
            function(*args)
        except BaseException as e:
            # Anything, SystemExit included: a hook must not stop the server or fail the request.
            # The traceback starts in the hook: this frame says nothing to its author.
            text = "".join(traceback.format_exception(type(e), e, e.__traceback__.tb_next)).rstrip()
            self.log.error("Error in the %s hook of %s (ignored; the server carries on):\n%s", name, self.source, text)

    def request(self, method, uri, major, minor, headers):
        return Request(method, uri, (major, minor), headers)

    def response(self, status, status_code, headers, sent):
        return Response(status, status_code, headers, sent)
