"""`python manage.py sla …` as an operator or a script uses it."""

import datetime
import io
import os
import re
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from sla.services import closure_day_save
from tests.conftest import ROOT, database_url_for_subprocess

pytestmark = pytest.mark.django_db


def run(*arguments: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        sys_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        call_command("sla", *arguments, stdout=out, stderr=io.StringIO())
    finally:
        if stdin is not None:
            sys.stdin = sys_stdin
    return out.getvalue()


def test_deadline_prints_one_iso_value_in_japan_time():
    assert run("deadline", "2026-12-30T16:30+09:00", "90") == "2027-01-04T11:00:00+09:00\n"


def test_deadline_reads_an_instant_without_offset_as_japan_time_and_accepts_utc():
    assert run("deadline", "2026-11-25T11:59:30", "1") == "2026-11-25T13:00:30+09:00\n"
    assert run("deadline", "2026-11-25T02:59:30Z", "1") == "2026-11-25T13:00:30+09:00\n"


def test_elapsed_prints_whole_business_seconds():
    assert run("elapsed", "2026-12-30T16:30+09:00", "2027-01-04T11:00+09:00") == "5400\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("deadline", "tomorrow", "30"), "is not an ISO 8601 date and time"),
        (("deadline", "2026-11-25T10:00", "-5"), "must not be negative"),
        (("deadline", "2026-11-25T10:00", "ten"), "is not a whole number of minutes"),
        (("elapsed", "2026-11-26T10:00", "2026-11-25T10:00"), "is before the start"),
        (("calendar", "2026-13"), "is not a month of the form YYYY-MM"),
        (("deadline", "2026-11-25T10:00"), "usage: sla deadline START MINUTES"),
        # Regression: this ran for over 10 minutes and grew past 745 MB.
        (("deadline", "2026-12-04T10:00", "99999999999"), "at most 20,000,000 minutes"),
        # Regression: these printed a traceback.
        (("calendar", "1800-01"), "outside the supported years 1900-2999"),
        (("deadline", "3000-01-05T10:00", "10"), "outside the supported years"),
        (("elapsed", "1800-01-05T10:00", "2026-01-05T10:00"), "outside the supported years"),
    ],
)
def test_bad_arguments_give_a_clear_error(arguments, message):
    with pytest.raises(CommandError, match=message):
        run("--language", "en", *arguments)


def test_stdin_batch_answers_each_line_in_order_and_marks_bad_lines_in_place():
    lines = "2026-12-30T16:30 90\n2026-11-25T11:59:30 1\nnonsense 5\n2026-11-27T17:00 0\n"
    out = io.StringIO()
    sys_stdin, sys.stdin = sys.stdin, io.StringIO(lines)
    try:
        with pytest.raises(CommandError, match="1 line"):
            call_command(
                "sla", "--language", "en", "deadline", "--stdin", stdout=out, stderr=io.StringIO()
            )
    finally:
        sys.stdin = sys_stdin
    answers = out.getvalue().splitlines()
    assert answers[0] == "2027-01-04T11:00:00+09:00"
    assert answers[1] == "2026-11-25T13:00:30+09:00"
    assert answers[2].startswith("error: ")
    assert answers[3] == "2026-11-27T17:00:00+09:00"


def test_stdin_elapsed_batch():
    assert run("elapsed", "--stdin", stdin="2026-11-25T10:00 2026-11-25T13:30\n") == "9000\n"


def test_calendar_names_each_closed_day_and_its_reason_in_japanese():
    closure_day_save(date=datetime.date(2026, 12, 28), reason="社内棚卸し")
    lines = run("calendar", "2026-12").splitlines()
    by_date = {line.split()[0]: line for line in lines if re.match(r"\d{4}-\d\d-\d\d ", line)}
    assert len(by_date) == 31
    assert by_date["2026-12-01"] == "2026-12-01 (火) 営業日"
    assert by_date["2026-12-05"] == "2026-12-05 (土) 休業日: 土曜日"
    assert by_date["2026-12-28"] == "2026-12-28 (月) 休業日: 社内棚卸し"
    assert by_date["2026-12-31"] == "2026-12-31 (木) 休業日: 年末年始休業（銀行休業日）"
    assert lines[-1] == "営業日 21日、休業日 10日"


def test_calendar_names_public_holidays_by_their_japanese_name():
    lines = run("calendar", "2026-09").splitlines()
    assert "2026-09-21 (月) 休業日: 祝日（敬老の日）" in lines
    assert "2026-09-22 (火) 休業日: 祝日（国民の休日）" in lines


def test_calendar_in_english():
    lines = run("--language", "en", "calendar", "2027-01").splitlines()
    assert "2027-01-01 (Fri) closed: public holiday: 元日" in lines
    assert "2027-01-02 (Sat) closed: year-end closing (bank holiday)" in lines
    assert "2027-01-04 (Mon) business day" in lines


@pytest.mark.django_db(transaction=True)
def test_the_command_runs_as_a_process_and_exits_non_zero_on_error():
    environment = {**os.environ, "DATABASE_URL": database_url_for_subprocess()}
    ok = subprocess.run(
        [sys.executable, "manage.py", "sla", "deadline", "2026-11-25T11:59:30+09:00", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "2026-11-25T13:00:30+09:00\n"
    bad = subprocess.run(
        [sys.executable, "manage.py", "sla", "deadline", "yesterday", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )
    assert bad.returncode != 0
    assert "yesterday" in bad.stderr
