"""The systemd units under deploy/ supervise every process the Procfile runs."""

from __future__ import annotations

import configparser

from tests.conftest import ROOT

UNITS = ROOT / "deploy" / "systemd"


def read_unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keys are case-sensitive in systemd
    unit.read(UNITS / name)
    return unit


def test_every_procfile_process_has_a_unit_that_restarts_it_forever():
    processes = [
        line.split(":", 1)[0] for line in (ROOT / "Procfile").read_text().splitlines() if line
    ]
    for process in processes:
        unit = read_unit(f"helpdesk-{process}.service")
        assert unit["Service"]["Restart"] == "always", process
        assert unit["Unit"]["StartLimitIntervalSec"] == "0", process
        assert unit["Unit"]["PartOf"] == "helpdesk.target", process
        assert f"helpdesk-{process}.service" in read_unit("helpdesk.target")["Unit"]["Wants"]


def test_the_worker_gets_time_for_a_warm_shutdown_and_its_children_are_stopped_too():
    service = read_unit("helpdesk-worker.service")["Service"]
    assert "celery -A helpdesk worker" in service["ExecStart"]
    assert service["KillMode"] == "mixed"
    assert int(service["TimeoutStopSec"]) > 300  # the longest task time limit
