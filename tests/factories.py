"""Test data built the way the application builds it.

``TicketFactory`` opens tickets through ``ticket_open``, the one way the web form, the mail
intake and the API open them, so every test ticket has its reference, first message and SLA
deadlines exactly as a real one would. Tests state only what matters to them:
``TicketFactory(priority="urgent")``. No acknowledgement is sent unless a test asks for one.
"""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from helpdesk.tickets.models import Ticket
from helpdesk.tickets.services import ticket_open


class TicketFactory(factory.Factory):
    class Meta:
        model = Ticket

    channel = Ticket.Channel.WEB
    requester_email = factory.Sequence(lambda number: f"customer{number}@example.jp")
    requester_name = "山田 太郎"
    subject = "ログインできません"
    body_text = "パスワードを入れてもログインできません。"
    acknowledge = False

    @classmethod
    def _create(cls, model_class: type[Ticket], *args: Any, **kwargs: Any) -> Ticket:
        return ticket_open(**kwargs)

    @classmethod
    def _build(cls, model_class: type[Ticket], *args: Any, **kwargs: Any) -> Ticket:
        raise TypeError("a ticket exists only once opened: use TicketFactory(), not .build()")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = "agent"
    is_staff = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        # create_user: a login with an unusable password, as the admin would make it.
        return model_class.objects.create_user(*args, **kwargs)
