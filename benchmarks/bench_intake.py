"""Benchmark mail intake: parse and classify a realistic mix of Japanese support mail.

    python benchmarks/bench_intake.py [--count 5000] [--seed 20260401] [--workers N]

The mix (fixed seed): ISO-2022-JP from Outlook with CP932 extensions, Shift_JIS, EUC-JP, UTF-8
in base64 and quoted-printable, HTML-only mail, multipart/alternative with inline images and
attachments, Japanese file names in every encoding mailers use, auto-replies, bounces, list
mail, replies to our tickets, and broken mail (lying labels, damaged base64, missing
boundaries, plain garbage). Generating the mails is not timed; parsing and classifying is,
once in one process and once with one process per CPU (``--workers 1`` skips the second).

``run_parse_benchmark(count)`` is the parse-and-classify section; an end-to-end section
(SMTP gateway to stored ticket) can sit beside it in ``main``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

# Run as a plain script from the repository root, without installing the project.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpdesk.mail.classify import classify  # noqa: E402
from helpdesk.mail.parse import NotAMail, parse_mail  # noqa: E402
from tests.mail import fixtures as build  # noqa: E402

OUR_DOMAIN = "helpdesk.example.jp"
PREFIX = "NP"
PHRASES = (
    "お世話になっております。",
    "ログインできません。",
    "㈱テストの山田です。",
    "請求書①を送付します。",
    "設定画面が表示されない件について、",
    "至急ご確認ください。",
    "受付時間は10時～12時です。",
    "パスワードを変更したところ、",
    "エラーが出ました。",
    "ﾃｽﾄ環境では問題ありません。",
    "よろしくお願いいたします。",
    "添付ファイルをご確認ください。",
    "№123の契約について",
    "第Ⅲ期のお見積りをお願いします。",
    "髙橋様、山﨑様にもお伝えください。",
    "The export job fails with error 500. ",
)


def japanese_text(rng: random.Random, lines: int) -> str:
    return "\r\n".join(
        "".join(rng.choice(PHRASES) for _ in range(rng.randint(1, 4))) for _ in range(lines)
    )


def _message_id(rng: random.Random) -> str:
    return f"<{rng.getrandbits(64):016x}.{rng.randint(1, 99999)}@mail.example.com>"


def _sender(rng: random.Random) -> bytes:
    name = rng.choice(["山田 太郎", "鈴木 花子", "髙橋 一郎", "佐藤 ㈱テスト"])
    return (
        build.b_word(build.jis(name), "ISO-2022-JP")
        + f" <c{rng.randint(1, 500)}@customer.example>".encode()
    )


def _subject(rng: random.Random) -> str:
    return rng.choice(["【至急】ログインできない", "①請求書の件", "お問い合わせ", "設定について"])


def mail_iso2022jp(rng: random.Random) -> bytes:
    return build.text_mail(
        build.jis(japanese_text(rng, rng.randint(3, 30))),
        content_type='text/plain; charset="iso-2022-jp"',
        encoding="7bit",
        subject=build.b_word(build.jis(_subject(rng)), "ISO-2022-JP"),
        sender=_sender(rng),
        message_id=_message_id(rng),
    )


def mail_shift_jis(rng: random.Random) -> bytes:
    return build.text_mail(
        japanese_text(rng, rng.randint(3, 30)).encode("cp932"),
        content_type=f"text/plain; charset={rng.choice(['Shift_JIS', 'x-sjis', 'windows-31j'])}",
        subject=build.b_word(_subject(rng).encode("cp932"), "Shift_JIS"),
        sender=_sender(rng),
        message_id=_message_id(rng),
    )


def mail_euc_jp(rng: random.Random) -> bytes:
    return build.text_mail(
        build.euc(japanese_text(rng, rng.randint(3, 20))),
        content_type="text/plain; charset=EUC-JP",
        message_id=_message_id(rng),
    )


def mail_utf8(rng: random.Random) -> bytes:
    body = japanese_text(rng, rng.randint(3, 40)).encode()
    if rng.random() < 0.5:
        encoded, encoding = base64.encodebytes(body).replace(b"\n", b"\r\n"), "base64"
    else:
        encoded, encoding = binascii.b2a_qp(body).replace(b"\n", b"\r\n"), "quoted-printable"
    subject = _subject(rng)
    return build.text_mail(encoded, encoding=encoding, subject=subject, message_id=_message_id(rng))


def mail_html_only(rng: random.Random) -> bytes:
    paragraphs = "".join(
        f"<p>{japanese_text(rng, 2).replace(chr(13) + chr(10), '<br>')}</p>"
        for _ in range(rng.randint(2, 12))
    )
    html = (
        "<html><head><style>p{margin:0}</style></head><body>"
        f"{paragraphs}<ul><li>項目1</li><li>項目2</li></ul>"
        '<a href="https://example.com/help">ヘルプ</a><script>x()</script></body></html>'
    )
    body = binascii.b2a_qp(html.encode()).replace(b"\n", b"\r\n")
    return build.text_mail(
        body,
        content_type="text/html; charset=utf-8",
        encoding="quoted-printable",
        message_id=_message_id(rng),
    )


def mail_with_attachments(rng: random.Random) -> bytes:
    if rng.random() < 0.25:
        return build.alternative_with_inline_image()
    dispositions: list[str | bytes] = [
        "attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.pdf",
        b'attachment; filename="' + build.b_word(build.jis("御見積書①.pdf"), "ISO-2022-JP") + b'"',
        b'attachment; filename="' + "ソフト表.xlsx".encode("cp932") + b'"',
    ]
    disposition = rng.choice(dispositions)
    parts = [build.plain_part(japanese_text(rng, rng.randint(2, 10)).encode())]
    for _ in range(rng.randint(1, 3)):
        content = rng.randbytes(rng.randint(2_000, 30_000))
        parts.append(build.attachment_part(content, "application/octet-stream", disposition))
    return build.mixed_mail(parts, message_id=_message_id(rng))


def mail_auto_reply(rng: random.Random) -> bytes:
    header = rng.choice(
        [
            ("Auto-Submitted", "auto-replied"),
            ("X-Auto-Response-Suppress", "All"),
            ("X-Autoreply", "yes"),
            ("Precedence", "auto_reply"),
        ]
    )
    return build.auto_reply([header])


def mail_bounce(rng: random.Random) -> bytes:
    choice = rng.random()
    if choice < 0.5:
        return build.dsn_bounce(f"<ack.{rng.randint(1, 9999)}@{OUR_DOMAIN}>")
    return build.exim_bounce() if choice < 0.8 else build.japanese_null_sender_bounce()


def mail_bulk(rng: random.Random) -> bytes:
    return build.list_mail() if rng.random() < 0.5 else build.newsletter()


def mail_reply(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return build.reply(in_reply_to=f"<ack.{rng.randint(1, 9999)}@{OUR_DOMAIN}>")
    return build.reply(subject=f"Re: [NP-{rng.randint(1, 999999):06d}] お問い合わせ")


def mail_broken(rng: random.Random) -> bytes:
    damaged: list[Callable[[], bytes]] = [
        build.broken_base64,
        build.truncated_base64,
        build.broken_quoted_printable,
        build.broken_multipart,
        build.utf8_labelled_iso2022jp,
        build.eucjp_labelled_iso2022jp,
        build.no_content_type_8bit_cp932,
        build.unknown_charsets,
        lambda: rng.randbytes(rng.randint(0, 2000)),  # not a mail at all
    ]
    return rng.choice(damaged)()


MIX: list[tuple[str, Callable[[random.Random], bytes], int]] = [
    ("iso-2022-jp", mail_iso2022jp, 20),
    ("shift_jis", mail_shift_jis, 10),
    ("euc-jp", mail_euc_jp, 3),
    ("utf-8 base64/qp", mail_utf8, 16),
    ("html only", mail_html_only, 8),
    ("attachments", mail_with_attachments, 12),
    ("auto-reply", mail_auto_reply, 7),
    ("bounce", mail_bounce, 6),
    ("bulk/list", mail_bulk, 6),
    ("reply", mail_reply, 7),
    ("broken", mail_broken, 5),
]


def build_corpus(count: int, seed: int) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    names = [name for name, _builder, _weight in MIX]
    builders = {name: builder for name, builder, _weight in MIX}
    weights = [weight for _name, _builder, weight in MIX]
    categories = rng.choices(names, weights=weights, k=count)
    return [(category, builders[category](rng)) for category in categories]


def _classify_all(mails: list[bytes]) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for raw in mails:
        try:
            parsed = parse_mail(raw, our_domain=OUR_DOMAIN, reference_prefix=PREFIX)
        except NotAMail:
            kinds["invalid"] += 1
            continue
        kinds[classify(parsed).kind] += 1
    return kinds


@dataclass
class ParseBenchmark:
    mails: int
    megabytes: float
    seconds: float
    workers: int
    kinds: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)

    @property
    def mails_per_second(self) -> float:
        return self.mails / self.seconds


def run_parse_benchmark(count: int, *, seed: int = 20260401, workers: int = 1) -> ParseBenchmark:
    """Parse and classify ``count`` generated mails; time only the parsing."""
    corpus = build_corpus(count, seed)
    mails = [raw for _category, raw in corpus]
    _classify_all(mails[:50])  # warm caches (mimetypes, regexes) outside the timing
    started = time.perf_counter()
    if workers <= 1:
        kinds = _classify_all(mails)
    else:
        chunks = [mails[index::workers] for index in range(workers)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            kinds = sum(pool.map(_classify_all, chunks), Counter())
    seconds = time.perf_counter() - started
    return ParseBenchmark(
        mails=count,
        megabytes=sum(map(len, mails)) / 1e6,
        seconds=seconds,
        workers=workers,
        kinds=kinds,
        categories=Counter(category for category, _raw in corpus),
    )


def print_parse_benchmark(result: ParseBenchmark) -> None:
    print(
        f"parse+classify: {result.mails} mails ({result.megabytes:.1f} MB) in "
        f"{result.seconds:.2f} s with {result.workers} process(es): "
        f"{result.mails_per_second:,.0f} mails/s"
    )
    print("  generated as:  " + ", ".join(f"{k} {v}" for k, v in result.categories.most_common()))
    print("  classified as: " + ", ".join(f"{k} {v}" for k, v in result.kinds.most_common()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000, help="mails to generate (>= 2000)")
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes for the second run (default: one per CPU; 1 skips it)",
    )
    parser.add_argument(
        "--end-to-end-count", type=int, default=1000, help="mails for the SMTP-to-ticket run"
    )
    parser.add_argument(
        "--end-to-end-rate",
        type=float,
        help="mails a second to offer (default: as fast as the gateway accepts them)",
    )
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--skip-end-to-end", action="store_true")
    parser.add_argument(
        "--bench-database",
        default="helpdesk_bench",
        help="PostgreSQL database the run creates and drops (the peer's gets a _peer suffix)",
    )
    parser.add_argument("--redis-broker-db", type=int, default=13)
    parser.add_argument("--redis-cache-db", type=int, default=12)
    parser.add_argument(
        "--profile",
        type=Path,
        help="py-spy the gateway and workers into this directory (slows the run; see "
        "benchmarks/profile_summary.py)",
    )
    parser.add_argument(
        "--skip-peer", action="store_true", help="do not run django-helpdesk after ours"
    )
    options = parser.parse_args(argv)
    cpus = os.cpu_count() or 1
    print(f"Python {platform.python_version()} on {platform.machine()}, {cpus} CPUs")
    single = run_parse_benchmark(options.count, seed=options.seed)
    print_parse_benchmark(single)
    workers = options.workers or cpus
    if workers > 1:
        result = run_parse_benchmark(options.count, seed=options.seed, workers=workers)
        print_parse_benchmark(result)
    print(
        f"  goal: parse-and-classify >= 2,000 mails/s in one process: "
        f"{'met' if single.mails_per_second >= 2000 else 'NOT met'}"
    )
    if not options.skip_end_to_end:
        print_end_to_end(options)


def print_end_to_end(options: argparse.Namespace) -> None:
    # Imported here: the end-to-end run needs psycopg and redis; parse-only runs do not.
    from intake_end_to_end import BenchTarget, run_end_to_end_benchmark
    from intake_peer import PeerMissing, run_peer_benchmark

    count = options.end_to_end_count
    print(
        f"\nEnd to end: {count} mails over SMTP (4 client connections) -> gateway -> "
        "PostgreSQL -> Celery worker (Redis) -> committed ticket"
        + (
            f", offered at {options.end_to_end_rate:g} mails/s"
            if options.end_to_end_rate
            else ", as fast as accepted"
        )
    )
    target = BenchTarget(
        postgres_base=options.postgres,
        redis_base=options.redis,
        database=options.bench_database,
        broker_redis_db=options.redis_broker_db,
        cache_redis_db=options.redis_cache_db,
    )
    result = run_end_to_end_benchmark(
        count, target=target, profile_directory=options.profile, rate=options.end_to_end_rate
    )
    print(f"  SMTP accepted all in      {result['smtp_accept_seconds']:8.2f} s")
    print(f"  last ticket committed at  {result['end_to_end_seconds']:8.2f} s")
    print(f"  throughput                {result['mails_per_second']:8.1f} mails/s (goal >= 300)")
    print(
        f"  250 to committed ticket   p50 {1000 * result['latency_p50']:.0f} ms, "
        f"p95 {1000 * result['latency_p95']:.0f} ms, max {1000 * result['latency_max']:.0f} ms "
        "(goal: p95 <= 1 s)"
    )
    print(
        f"  every acknowledgement sent{result['acknowledged_seconds']:8.2f} s "
        f"({result['acknowledgements']} sent)"
    )
    cpu = result["cpu_ms_per_mail"]
    print(
        f"  CPU per mail              gateway {cpu['gateway']:.1f} ms, "
        f"worker {cpu['worker']:.1f} ms (all worker processes), "
        f"together {cpu['gateway'] + cpu['worker']:.1f} ms"
    )
    print(
        f"  same set delivered twice: {result['stored_rows_after_second_delivery']} stored rows, "
        f"{result['inbound_messages']} messages, lost {result['lost']}, "
        f"duplicated {result['duplicated']} (goal: 0 and 0)"
    )
    if options.skip_peer:
        return
    try:
        peer = run_peer_benchmark(
            count, postgres_base=options.postgres, database=f"{options.bench_database}_peer"
        )
    except PeerMissing as error:
        print(f"\nPeer: {error}")
        return
    print(
        f"\nPeer: django-helpdesk 2.6.1, the same {count} mails from a local directory, "
        "process_email in one process, acknowledgements rendered (PostgreSQL)"
    )
    print(
        f"  {peer['tickets']} tickets, {peer['acknowledgements']} acknowledgements in "
        f"{peer['seconds']:.2f} s: {peer['mails_per_second']:.1f} mails/s, "
        f"CPU per mail {peer['cpu_ms_per_mail']:.1f} ms"
    )
    ours_cpu = cpu["gateway"] + cpu["worker"]
    print(
        f"  ours / peer: throughput {result['mails_per_second'] / peer['mails_per_second']:.2f}x "
        f"(goal >= 5x); CPU per mail {ours_cpu:.1f} ms vs {peer['cpu_ms_per_mail']:.1f} ms "
        f"({peer['cpu_ms_per_mail'] / ours_cpu:.2f}x less)"
    )


if __name__ == "__main__":
    main()
