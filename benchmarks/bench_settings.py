"""Production settings plus a query counter, for benchmarks/bench_console.py's gunicorn."""

from helpdesk.settings import *  # noqa: F403

MIDDLEWARE = ["benchmarks.bench_querycount.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405
