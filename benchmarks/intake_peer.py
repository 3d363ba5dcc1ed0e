"""Run the intake benchmark's peer, django-helpdesk 2.6.1, on the mails our run receives.

The peer lives in its own virtual environment (``make bench-peers``): its package is also named
``helpdesk``, so it runs as a subprocess (``peer_django_helpdesk.py``) and hands back one line
of JSON. Used by bench_intake.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from intake_end_to_end import generated_mails

ROOT = Path(__file__).resolve().parent.parent
PEER_PYTHON = ROOT / "var" / "peer-django-helpdesk" / "bin" / "python"
PEER_SCRIPT = ROOT / "benchmarks" / "peer_django_helpdesk.py"


class PeerMissing(RuntimeError):
    pass


def run_peer_benchmark(count: int, *, postgres_base: str, database: str) -> dict[str, float]:
    """The same ``count`` generated mails, written out one file each, imported by the peer."""
    if not PEER_PYTHON.exists():
        raise PeerMissing("the peer is not installed: run `make bench-peers` first")
    mail_dir = ROOT / "var" / f"bench-peer-mails-{database}"
    shutil.rmtree(mail_dir, ignore_errors=True)
    mail_dir.mkdir(parents=True)
    for number, raw in enumerate(generated_mails(count)):
        (mail_dir / f"{number:06d}.eml").write_bytes(raw)
    try:
        finished = subprocess.run(
            [
                str(PEER_PYTHON),
                str(PEER_SCRIPT),
                "--mail-dir",
                str(mail_dir),
                "--database-url",
                f"{postgres_base}/{database}",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        shutil.rmtree(mail_dir, ignore_errors=True)
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    result["mails_per_second"] = result["tickets"] / result["seconds"]
    result["cpu_ms_per_mail"] = 1000 * result["cpu_seconds"] / result["mails"]
    return result
