"""Module-level objects that are not WSGI callables."""

application = {"routes": ["/"]}
retries = 3
