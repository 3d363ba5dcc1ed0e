"""Summarise a py-spy profile in collapsed-stack form (``--format raw``) as two short tables.

    python benchmarks/profile_summary.py var/profile/worker.txt [--top 25]

Self time: the functions the samples were in. Inclusive time: the functions on the stack,
each counted once a sample, which is where to look for a whole step (a query, a commit, a
render). Frames are ``function (file:line)``; the line is dropped so a function is one row.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_LINE_NUMBER = re.compile(r":\d+\)$")


def _frame(raw_frame: str) -> str:
    return _LINE_NUMBER.sub(")", raw_frame.strip())


def summarise(path: Path) -> tuple[int, Counter[str], Counter[str]]:
    total = 0
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not stack or not samples.isdigit():
            continue
        count = int(samples)
        frames = [_frame(frame) for frame in stack.split(";") if frame]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    return total, own, inclusive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    options = parser.parse_args()
    total, own, inclusive = summarise(options.profile)
    for title, table in (("self", own), ("inclusive", inclusive)):
        print(f"{options.profile.name}: {title} time, {total} samples")
        for frame, count in table.most_common(options.top):
            print(f"  {100 * count / total:5.1f} %  {frame[:150]}")


if __name__ == "__main__":
    main()
