"""Classification of every fixture class, and the parse rate, before and after, in one run.

    python benchmarks/bench_fixture_classes.py [--baseline-ref main] [--count 3000] [--rounds 3]

"Before" is the pure parsing code (``helpdesk/mail``: parse, classify, decode, headers, mime,
bounce, transfer, htmltext) as it is at ``--baseline-ref``, taken from git into a temporary
package and imported beside the working tree's code, so both run on the same machine, the
same Python and the same mails. The table lists, per fixture class, how many mails each
version classified as each kind, and how many subjects or texts hold U+FFFD. The rate is
parse-and-classify over ``bench_intake``'s realistic mix plus every fixture, measured chunk by
chunk with the two versions alternating (see ``rates``).
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_intake import OUR_DOMAIN, PREFIX, build_corpus  # noqa: E402

from tests.mail import (  # noqa: E402
    bounce_fixtures,
    carrier_fixtures,
    header_fixtures,
    report_fixtures,
)
from tests.mail import fixtures as standard_fixtures  # noqa: E402

PURE_MODULES = (
    "__init__",
    "bounce",
    "carrier",
    "charsets",
    "classify",
    "decode",
    "feedback",
    "headers",
    "htmltext",
    "mime",
    "parse",
    "transfer",
)
FIXTURE_CLASSES: dict[str, dict[str, Callable[[], bytes]]] = {
    "standard (earlier fixtures)": standard_fixtures.FIXTURES,
    "mobile carrier mail": carrier_fixtures.CARRIER_FIXTURES,
    "feedback reports": report_fixtures.REPORT_FIXTURES,
    "customer forwards our mail": report_fixtures.NOT_REPORT_FIXTURES,
    "bounces without a standard": bounce_fixtures.UNSTANDARD_BOUNCE_FIXTURES,
    "people about a failed delivery": bounce_fixtures.NOT_BOUNCE_FIXTURES,
    "odd folding and UTF-7": header_fixtures.HEADER_FIXTURES,
    "no From (Reply-To, Return-Path, none)": header_fixtures.SENDERLESS_FIXTURES,
}


def load_baseline(ref: str, folder: Path) -> ModuleType:
    """The parsing package as it was at ``ref``, importable as ``baseline_mail``."""
    package = folder / "baseline_mail"
    package.mkdir()
    for name in PURE_MODULES:
        shown = subprocess.run(
            ["git", "show", f"{ref}:helpdesk/mail/{name}.py"],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        if shown.returncode == 0:  # modules added since (carrier, feedback) are simply absent
            # Codec error handlers are registered by name for the whole process: the old
            # decoder's must not replace the new one's (or the other way round).
            source = shown.stdout.replace(b"helpdesk-jis-cp932", b"baseline-jis-cp932")
            (package / f"{name}.py").write_bytes(source)
    sys.path.insert(0, str(folder))
    importlib.import_module("baseline_mail.classify")
    return importlib.import_module("baseline_mail.parse")


def classify_one(parse_module: ModuleType, raw: bytes) -> tuple[str, bool]:
    """(kind, whether U+FFFD shows in the subject or text) as ``parse_module`` sees ``raw``."""
    classify = sys.modules[parse_module.__name__.replace(".parse", ".classify")].classify
    try:
        parsed = parse_module.parse_mail(raw, our_domain=OUR_DOMAIN, reference_prefix=PREFIX)
    except parse_module.NotAMail:
        return "invalid", False
    return classify(parsed).kind, "\ufffd" in parsed.subject + parsed.text


def _kinds(parse_module: ModuleType, mails: list[bytes]) -> tuple[Counter[str], int]:
    kinds: Counter[str] = Counter()
    replaced = 0
    for raw in mails:
        kind, has_replacement = classify_one(parse_module, raw)
        kinds[kind] += 1
        replaced += has_replacement
    return kinds, replaced


def _shown(kinds: Counter[str]) -> str:
    return ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))


def print_table(before: ModuleType, after: ModuleType) -> None:
    print(f"{'fixture class':40} {'mails':>5}  {'before':42} {'after':42} U+FFFD b/a")
    for name, builders in FIXTURE_CLASSES.items():
        mails = [build() for build in builders.values()]
        old_kinds, old_replaced = _kinds(before, mails)
        new_kinds, new_replaced = _kinds(after, mails)
        print(
            f"{name:40} {len(mails):5}  {_shown(old_kinds):42} {_shown(new_kinds):42} "
            f"{old_replaced}/{new_replaced}"
        )


def _time(parse_module: ModuleType, mails: list[bytes]) -> float:
    started = time.perf_counter()
    _kinds(parse_module, mails)
    return time.perf_counter() - started


def rates(
    before: ModuleType, after: ModuleType, mails: list[bytes], *, rounds: int, chunk: int = 1
) -> tuple[float, float]:
    """Mails per second of each version, robust on a machine shared with other work.

    Each chunk of mails is parsed by both versions in turn, ``rounds`` times, alternating which
    goes first; a chunk's fastest time is the one least disturbed by other processes, and the
    rate is the mail count over the sum of those fastest times.
    """
    totals = {"before": 0.0, "after": 0.0}
    for start in range(0, len(mails), chunk):
        part = mails[start : start + chunk]
        best = {"before": float("inf"), "after": float("inf")}
        for round_number in range(rounds):
            order = [("before", before), ("after", after)]
            for name, module in order if round_number % 2 else reversed(order):
                best[name] = min(best[name], _time(module, part))
        for name in totals:
            totals[name] += best[name]
    return len(mails) / totals["before"], len(mails) / totals["after"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline-ref", default="main", help="git ref of the 'before' code")
    parser.add_argument("--count", type=int, default=3000, help="mails from the realistic mix")
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--rounds", type=int, default=5, help="timings per chunk and version")
    options = parser.parse_args(argv)
    after = importlib.import_module("helpdesk.mail.parse")
    importlib.import_module("helpdesk.mail.classify")
    with tempfile.TemporaryDirectory() as folder:
        before = load_baseline(options.baseline_ref, Path(folder))
        print_table(before, after)
        mails = [raw for _category, raw in build_corpus(options.count, options.seed)]
        mails += [build() for builders in FIXTURE_CLASSES.values() for build in builders.values()]
        for module in (before, after):
            _kinds(module, mails[:200])  # warm caches outside the timing
        best_before, best_after = rates(before, after, mails, rounds=options.rounds)
    print(
        f"\nparse+classify, {len(mails)} mails (realistic mix + fixtures), each mail "
        f"timed {options.rounds} times per version, fastest kept: "
        f"before {best_before:,.0f} mails/s, after {best_after:,.0f} mails/s "
        f"({(best_after / best_before - 1) * 100:+.1f} %)"
    )


if __name__ == "__main__":
    main()
