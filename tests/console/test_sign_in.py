"""Sign-in, sign-out, password reset by mail, and the lock-out after repeated failures (per
account and per client address, console and admin alike)."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"


def _sign_in(client: Client, username: str, password: str, ip: str = "127.0.0.10"):
    return client.post(
        "/console/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_an_agent_signs_in_and_lands_on_the_dashboard(client, agent):
    response = _sign_in(client, "agent1", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.get("/console/").status_code == 200


def test_a_wrong_password_says_so_in_japanese(client, agent):
    response = _sign_in(client, "agent1", "wrong")
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません" in response.content.decode()


def test_sign_out_is_a_post(client, agent):
    client.force_login(agent)
    assert client.post("/console/logout/").status_code == 302
    assert client.get("/console/").status_code == 302


def test_an_account_is_locked_after_five_failures_even_with_the_right_password(
    client, agent, settings
):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "agent1", f"wrong-{attempt}", ip=f"127.0.0.{20 + attempt}")
    # From a new address, with the right password: the account itself is locked.
    response = _sign_in(Client(), "agent1", PASSWORD, ip="127.0.0.99")
    assert response.status_code == 429
    page = response.content.decode()
    assert "サインインを一時的に制限しています" in page
    assert "30 分間サインインを制限しています" in page


def test_an_address_is_locked_after_failures_across_accounts(client, agent, other_agent):
    for attempt in range(5):
        _sign_in(client, f"nobody{attempt}", "wrong", ip="127.0.0.50")
    response = _sign_in(Client(), "agent2", PASSWORD, ip="127.0.0.50")
    assert response.status_code == 429
    # Another address still signs in.
    assert _sign_in(Client(), "agent2", PASSWORD, ip="127.0.0.51").status_code == 302


def test_the_admin_sign_in_is_covered_too(client, desk_admin):
    desk_admin.is_staff = True
    desk_admin.save()
    for attempt in range(5):
        client.post(
            "/admin/login/",
            {"username": "admin1", "password": f"bad{attempt}"},
            REMOTE_ADDR="127.0.0.60",
        )
    response = client.post(
        "/admin/login/", {"username": "admin1", "password": PASSWORD}, REMOTE_ADDR="127.0.0.61"
    )
    assert response.status_code == 429


def test_the_lock_lifts_after_the_cool_off(client, agent, settings):
    for attempt in range(5):
        _sign_in(client, "agent1", f"wrong-{attempt}")
    assert _sign_in(Client(), "agent1", PASSWORD).status_code == 429
    later = datetime.datetime.now(tz=datetime.UTC) + settings.AXES_COOLOFF_TIME
    with time_machine.travel(later + datetime.timedelta(seconds=5)):
        assert _sign_in(Client(), "agent1", PASSWORD).status_code == 302


def test_password_reset_by_mail(client, agent):
    response = client.post("/console/password-reset/", {"email": agent.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/console/password-reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    new_password = "another-horse-12"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert _sign_in(Client(), "agent1", new_password).status_code == 302
