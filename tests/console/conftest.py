"""Fixtures for the console: one user per role, a ticket opened through the services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import ticket_open


@pytest.fixture(autouse=True)
def _media_under_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def make_user(username: str, role: str | None = None, **extra) -> User:
    user = User.objects.create_user(
        username, f"{username}@helpdesk.example.jp", "correct-horse-9", **extra
    )
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def agent(db) -> User:
    return make_user("agent1", "agent", first_name="花子", last_name="佐藤")


@pytest.fixture
def other_agent(db) -> User:
    return make_user("agent2", "agent", first_name="次郎", last_name="鈴木")


@pytest.fixture
def supervisor(db) -> User:
    return make_user("super1", "supervisor")


@pytest.fixture
def desk_admin(db) -> User:
    return make_user("admin1", "admin")


@pytest.fixture
def plain_user(db) -> User:
    return make_user("plain1")


@pytest.fixture
def ticket(db) -> Ticket:
    return ticket_open(
        channel=Ticket.Channel.MAIL,
        requester_email="taro@example.jp",
        requester_name="山田 太郎",
        subject="請求書の金額が違います",
        body_text="先月の請求書の金額が契約と違います。確認をお願いします。",
        acknowledge=False,
    )
