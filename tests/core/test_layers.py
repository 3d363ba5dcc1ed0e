"""The app graph runs one way (DESIGN.md): api, portal, console -> mail -> tickets -> sla ->
core, with remote beside tickets (it may use tickets, sla and core; tickets never uses remote).
Read from the source's import statements, so a new upward import fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
ENTRY = ("helpdesk.api", "helpdesk.portal", "helpdesk.console")

FORBIDDEN = {
    "helpdesk/core": (*ENTRY, "helpdesk.mail", "helpdesk.tickets", "helpdesk.remote", "sla"),
    "sla": (*ENTRY, "helpdesk.mail", "helpdesk.tickets", "helpdesk.remote"),
    "helpdesk/tickets": (*ENTRY, "helpdesk.remote"),
    "helpdesk/remote": (*ENTRY, "helpdesk.mail"),
}
# Known exceptions, each with its reason; keep this list short.
ALLOWED = {
    # The closure-change forwarder names the tickets app's task (see its comment).
    ("sla/tasks.py", "helpdesk.tickets.tasks"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_app_imports_an_app_above_it(package):
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for name in _imports(path):
            above = any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package])
            if above and (relative, name) not in ALLOWED:
                found.append(f"{relative} imports {name}")
    assert found == []
