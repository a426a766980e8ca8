"""A submodule that imports a sibling which does not exist."""
from webpkg import missing_sibling  # noqa: F401

application = None
