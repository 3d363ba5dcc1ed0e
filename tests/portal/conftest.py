"""Fixtures for the portal tests: a clean cache (rate limits), uploads under tmp, and a record
of the acknowledgements the portal asked a worker to send."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _isolated_cache_and_media(settings, tmp_path):
    cache.clear()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    cache.clear()


@pytest.fixture
def enqueued_acknowledgements(monkeypatch) -> list[tuple]:
    """Calls of ``ticket_acknowledge_task.delay``, instead of sending them to a broker."""
    from helpdesk.tickets.tasks import ticket_acknowledge_task

    calls: list[tuple] = []
    monkeypatch.setattr(ticket_acknowledge_task, "delay", lambda *args: calls.append(args))
    return calls


@pytest.fixture
def inquiry_data() -> dict[str, str]:
    return {
        "organization": "株式会社テスト",
        "name": "山田 太郎",
        "email": "taro.yamada@example.jp",
        "phone": "03-1234-5678",
        "category": "account",
        "subject": "ログインできません",
        "body": "昨日からパスワードを入力してもログインできません。",
        "consent": "on",
        "website": "",
    }
