"""Benchmark the staff console and API at desk scale, with Django's admin as the peer.

    python benchmarks/bench_console.py [--tickets 200000] [--requests 40] [--reuse]

Creates its own PostgreSQL database (``bench_console`` on the server of ``DATABASE_URL``),
seeds it with ``seed_demo --tickets N`` (about three messages a ticket), starts gunicorn with
production settings plus a query counter, and measures through real HTTP, one request at a
time: the default list, a filtered view, a two-character Japanese body search, page 1 and a
deep page, the ticket page and the API list; and, in the same run, the admin's ticket
changelist (page 1, last page, search) as the peer. Prints p50/p95 and the SQL queries of
each, the goals, and the ratios to the peer. ``--reuse`` keeps a database seeded before.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "bench_console"


@dataclass
class Result:
    name: str
    p50: float
    p95: float
    queries: str
    goal: float | None
    status: str


def database_urls() -> tuple[str, str]:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("bench_console needs PostgreSQL: set DATABASE_URL=postgres://...")
    parts = urllib.parse.urlsplit(base)
    bench = parts._replace(path=f"/{DB_NAME}").geturl()
    maintenance = parts._replace(path="/postgres").geturl()
    return bench, maintenance


def recreate_database(maintenance_url: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DB_NAME}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(environment: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Fixtures:
    """Sessions, a token and URLs prepared in this process against the bench database."""

    def __init__(self) -> None:
        import django

        django.setup()
        from django.contrib.auth import (
            BACKEND_SESSION_KEY,
            HASH_SESSION_KEY,
            SESSION_KEY,
            get_user_model,
        )
        from django.contrib.sessions.backends.db import SessionStore

        from helpdesk.api.services import staff_api_token_create
        from helpdesk.tickets.listing import ticket_cursor_after
        from helpdesk.tickets.models import Ticket

        users = get_user_model().objects
        self.agent, self.admin = users.get(username="agent.sato"), users.get(username="staff")

        def session_for(user) -> str:
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            assert store.session_key is not None  # create() has just saved it under a new key
            return store.session_key

        self.agent_cookie = f"sessionid={session_for(self.agent)}"
        self.admin_cookie = f"sessionid={session_for(self.admin)}"
        self.token = staff_api_token_create(user=self.agent, name="benchmark")
        self.total = Ticket.objects.count()
        # A deep page: 150,000 rows into every ticket by arrival (keyset, not OFFSET).
        deep_row = Ticket.objects.order_by("-received_at", "-id")[min(150_000, self.total - 60)]
        self.deep_cursor = ticket_cursor_after(deep_row, sort="received")
        ids = list(Ticket.objects.order_by("?").values_list("pk", flat=True)[:200])
        self.ticket_ids = ids


def measure(
    port: int, name: str, paths: list[str], headers: dict, count: int
) -> tuple[list[float], list[int], set[int]]:
    """Milliseconds per request, the query count each reported, and the statuses seen."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    timings: list[float] = []
    queries: list[int] = []
    statuses: set[int] = set()
    for index in range(count + 3):
        path = paths[index % len(paths)]
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        statuses.add(response.status)
        if index >= 3:  # the first few warm the worker's caches
            timings.append(elapsed)
            queries.append(int(response.getheader("X-Query-Count", "-1")))
    connection.close()
    return timings, queries, statuses


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per endpoint")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    options = parser.parse_args()

    bench_url, maintenance_url = database_urls()
    environment = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_TRANSPORT": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "rediscache://127.0.0.1:6379/4"),
        "STAFF_API_THROTTLE_RATE": "100000/min",
        "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
        # Its own var/: collected static files (production serves them hashed), the demo
        # password; nothing of the checkout's development files is touched.
        "HELPDESK_VAR_DIR": str(ROOT / "var" / "bench-console"),
    }
    os.environ.update(environment)
    if not options.reuse:
        recreate_database(maintenance_url)
        manage(environment, "migrate", "--noinput")
        started = time.monotonic()
        output = manage(environment, "seed_demo", "--force", "--tickets", str(options.tickets))
        seeded = time.monotonic() - started
        print(f"seed_demo --tickets {options.tickets}: {seeded:.0f} s (wall, incl. start-up)")
        print("  " + next(line for line in output.splitlines() if "Demo desk" in line))
        import psycopg

        with psycopg.connect(bench_url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")

    manage(environment, "collectstatic", "--noinput")
    fixtures = Fixtures()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "helpdesk.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(options.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("gunicorn did not start")
            time.sleep(0.3)
        results = run_all(port, fixtures, options.requests)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    report(results, fixtures.total, options)


def run_all(port: int, fixtures: Fixtures, count: int) -> dict[str, Result]:
    agent = {"Cookie": fixtures.agent_cookie}
    admin = {"Cookie": fixtures.admin_cookie}
    api = {"Authorization": f"Token {fixtures.token}"}
    search = urllib.parse.quote("請求")
    last_page = (fixtures.total + 99) // 100  # the admin shows 100 rows a page
    plan = [
        ("console list, default (next deadline)", ["/console/tickets/"], agent, 100),
        ("console list, filtered (open, high)", ["/console/tickets/?status=open&priority=high"],
         agent, 100),
        ("console list, view breaching today", ["/console/tickets/?view=breaching_today"],
         agent, 100),
        ("console search 請求 (body, all statuses)",
         [f"/console/tickets/?q={search}&status=all"], agent, 150),
        ("console search 障害 (body, open work)",
         [f"/console/tickets/?q={urllib.parse.quote('障害')}"], agent, 150),
        ("console list, page 1 by arrival", ["/console/tickets/?sort=received&status=all"],
         agent, 100),
        ("console list, deep page (150,000 rows in)",
         [f"/console/tickets/?sort=received&status=all&cursor={fixtures.deep_cursor}"],
         agent, 100),
        ("console ticket page", [f"/console/tickets/{pk}/" for pk in fixtures.ticket_ids],
         agent, 100),
        ("API list, default", ["/api/v1/tickets/"], api, 100),
        ("API search 請求", [f"/api/v1/tickets/?q={search}&status=all"], api, 150),
        ("admin changelist, page 1", ["/admin/tickets/ticket/"], admin, None),
        ("admin changelist, last page", [f"/admin/tickets/ticket/?p={last_page}"], admin, None),
        ("admin changelist, search 請求", [f"/admin/tickets/ticket/?q={search}"], admin, None),
    ]  # fmt: skip
    results = {}
    for name, paths, headers, goal in plan:
        timings, queries, statuses = measure(port, name, paths, headers, count)
        spread = (
            f"{min(queries)}"
            if min(queries) == max(queries)
            else (f"{min(queries)}-{max(queries)}")
        )
        results[name] = Result(
            name,
            statistics.median(timings),
            percentile(timings, 0.95),
            spread,
            goal,
            ",".join(str(code) for code in sorted(statuses)),
        )
        print(f"  measured {name}", file=sys.stderr)
    return results


def report(results: dict[str, Result], total: int, options) -> None:
    print(
        f"\nStaff console and API, {total:,} tickets, {options.requests} timed requests each, "
        f"gunicorn {options.workers} workers, one client, PostgreSQL; milliseconds."
    )
    print(f"{'endpoint':<46} {'p50':>7} {'p95':>7} {'SQL':>6} {'goal':>6}  status")
    for result in results.values():
        verdict = ""
        if result.goal is not None:
            verdict = "ok" if result.p95 <= result.goal else "MISSED"
        goal = f"{result.goal:.0f}" if result.goal else "peer"
        print(
            f"{result.name:<46} {result.p50:7.1f} {result.p95:7.1f} {result.queries:>6} "
            f"{goal:>6}  HTTP {result.status} {verdict}"
        )
    pairs = [
        ("console list, page 1 by arrival", "admin changelist, page 1"),
        ("console list, default (next deadline)", "admin changelist, page 1"),
        ("console list, deep page (150,000 rows in)", "admin changelist, last page"),
        ("console search 請求 (body, all statuses)", "admin changelist, search 請求"),
    ]
    print("\nAgainst the peer (admin p95 / ours p95; the admin searches subject and requester")
    print("only, not message bodies, and shows 100 rows a page where the console shows 50):")
    for ours, peer in pairs:
        ratio = results[peer].p95 / max(results[ours].p95, 0.001)
        print(f"  {ours:<44} vs {peer:<30} {ratio:6.1f}x faster")


if __name__ == "__main__":
    main()
