"""The default database from DATABASE_URL, or libpq's PG* variables, else SQLite."""
import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def database_from_environment(sqlite_path):
    """
    DATABASE_URL forms:
      sqlite:////absolute/path/db.sqlite3
      postgres://user:password@host:5432/name
      postgres://user@%2Frun%2Fpostgresql/name   (host is a unix socket directory)
      postgres:///name?host=/run/postgresql
    Without DATABASE_URL, PGDATABASE selects PostgreSQL and libpq reads PGHOST,
    PGPORT, PGUSER and PGPASSWORD itself.
    """
    url = os.environ.get("DATABASE_URL")
    if url:
        return _from_url(url)
    if os.environ.get("PGDATABASE"):
        return _postgresql(name=os.environ["PGDATABASE"])
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path}


def _from_url(url):
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path or path == "/":
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} names no database file")
        # sqlite:///db.sqlite3 is relative, sqlite:////srv/db.sqlite3 absolute.
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path[1:]}
    if parts.scheme in ("postgres", "postgresql"):
        # The netloc is split by hand: urlsplit lowercases hostnames, which would
        # break a percent-encoded socket directory such as %2Fsrv%2FPG.
        userinfo, _, hostport = parts.netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        host, port = hostport, ""
        if hostport.rfind(":") > hostport.rfind("]"):
            host, _, port = hostport.rpartition(":")
        query = parse_qs(parts.query)
        return _postgresql(
            name=unquote(parts.path.lstrip("/")),
            user=unquote(user),
            password=unquote(password),
            host=query.get("host", [unquote(host).strip("[]")])[0],
            port=query.get("port", [port])[0],
        )
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported (sqlite, postgres)")


def _postgresql(name, user="", password="", host="", port=""):
    if not name:
        raise ImproperlyConfigured("PostgreSQL needs a database name (DATABASE_URL path or PGDATABASE)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": user,
        "PASSWORD": password,
        "HOST": host,
        "PORT": port,
        # Each server thread keeps its connection for a minute instead of
        # reconnecting on every request.
        "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    }
