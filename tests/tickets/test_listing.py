"""The staff list selector: filters, Japanese search, sorts, saved views, keyset pages."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from helpdesk.tickets.listing import (
    InvalidCursor,
    TicketFilters,
    ticket_filters_from_query,
    ticket_list_page,
    ticket_next_deadline,
)
from helpdesk.tickets.models import Ticket
from helpdesk.tickets.search import query_terms, search_document
from helpdesk.tickets.services import (
    ticket_change_status,
    ticket_customer_reply,
    ticket_open,
    ticket_staff_reply,
)
from helpdesk.tickets.templatetags.ticket_deadlines import business_time_left
from sla.calendars import business_clock

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")
MONDAY_10 = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=JST)


def open_ticket(subject="お問い合わせ", body="よろしくお願いします。", **extra) -> Ticket:
    extra.setdefault("requester_email", "sato@example.jp")
    return ticket_open(channel="mail", subject=subject, body_text=body, acknowledge=False, **extra)


def references(page) -> list[str]:
    return [row.ticket.reference for row in page.rows]


def listing(user=None, page_size=50, **filters):
    return ticket_list_page(user=user, filters=TicketFilters(**filters), page_size=page_size)


@pytest.fixture
def agent():
    return get_user_model().objects.create_user("agent1", password="x")


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_10, tick=False):
        yield


def test_two_character_japanese_query_finds_a_word_inside_a_later_message(frozen):
    billing = open_ticket(subject="ログインについて", body="ログインできません。")
    ticket_customer_reply(ticket=billing, body_text="あと、先月の請求書の再発行もお願いします。")
    open_ticket(subject="障害のご報告", body="画面が真っ白です。")

    assert references(listing(q="請求")) == [billing.reference]
    assert references(listing(q="再発行")) == [billing.reference]
    assert len(listing(q="障害").rows) == 1
    assert listing(q="請書").rows == []  # both characters occur, but never side by side


def test_staff_notes_are_searchable_too(frozen, agent):
    ticket = open_ticket()
    ticket_staff_reply(ticket=ticket, author=agent, body_text="経理部に確認中", internal=True)

    assert references(listing(q="経理")) == [ticket.reference]


def test_search_by_reference_subject_and_requester_address(frozen):
    first = open_ticket(subject="パスワード変更", requester_email="Yamada@Example.JP")
    second = open_ticket(subject="Export fails", requester_email="suzuki@corp.example")

    assert references(listing(q=first.reference)) == [first.reference]
    assert references(listing(q=first.reference.lower())) == [first.reference]
    assert references(listing(q="パスワード")) == [first.reference]
    assert references(listing(q="yamada@example.jp")) == [first.reference]
    # Full-width letters as a Japanese keyboard types them find half-width text, any case.
    assert references(listing(q="ＥＸＰＯＲＴ")) == [second.reference]


def test_query_terms_split_words_into_bigrams():
    assert query_terms("請求書 ｴﾗｰ") == (["請求", "求書", "エラ", "ラー"], [])
    assert query_terms("A 障害") == (["障害"], ["a"])
    assert search_document("請求") == " 請求 "


def test_default_list_is_the_open_work_soonest_deadline_first(frozen):
    low = open_ticket(subject="low", priority="low")
    urgent = open_ticket(subject="urgent", priority="urgent")
    normal = open_ticket(subject="normal", priority="normal")
    paused = open_ticket(subject="paused", priority="urgent")
    ticket_change_status(ticket=paused, status=Ticket.Status.PENDING_CUSTOMER)
    done = open_ticket(subject="done")
    ticket_change_status(ticket=done, status=Ticket.Status.RESOLVED)

    page = listing()

    # Waiting for the customer has no running deadline: last, not first.
    assert references(page) == [
        urgent.reference,
        normal.reference,
        low.reference,
        paused.reference,
    ]
    assert page.rows[-1].paused and page.rows[-1].deadline is None
    assert done.reference in references(listing(status=["all"]))
    assert references(listing(status=["resolved"])) == [done.reference]


def test_rows_show_business_time_left_and_overdue(agent):
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = open_ticket(priority="urgent")  # first response due 11:00
    with time_machine.travel(MONDAY_10 + datetime.timedelta(minutes=40), tick=False):
        row = listing().rows[0]
    assert row.deadline_kind == "first_response"
    assert row.deadline == MONDAY_10 + datetime.timedelta(hours=1)
    assert row.business_seconds_left == 20 * 60
    # Lunch (12:00–13:00) does not count: at 13:10 the 11:00 deadline is 1 h 10 min past.
    with time_machine.travel(MONDAY_10.replace(hour=13, minute=10), tick=False):
        row = listing().rows[0]
    assert row.business_seconds_left == -70 * 60
    assert row.state == "breached" and row.overdue
    assert row.ticket == ticket


def test_time_left_reads_like_the_console_shows_it():
    with translation.override("ja"):
        assert business_time_left(80 * 60) == "残り 1時間20分"
        assert business_time_left(-45 * 60) == "45分超過"
        assert business_time_left(None) == ""
    with translation.override("en"):
        assert business_time_left(80 * 60) == "1 h 20 min left"
        assert business_time_left(-2 * 3600) == "2 h overdue"


def test_filters_and_saved_views(frozen, agent):
    mine = open_ticket(subject="mine", priority="high")
    Ticket.objects.filter(pk=mine.pk).update(assignee=agent, queue="billing")
    unassigned = open_ticket(subject="unassigned", category="login")
    far = open_ticket(subject="far", priority="low")  # due days from now

    assert references(listing(agent, view="mine")) == [mine.reference]
    assert references(listing(agent, assignee="me")) == [mine.reference]
    assert references(listing(agent, view="unassigned")) == [
        unassigned.reference,
        far.reference,
    ]
    assert references(listing(agent, queue=["billing"])) == [mine.reference]
    assert references(listing(agent, category=["login"])) == [unassigned.reference]
    assert references(listing(agent, priority=["low"])) == [far.reference]
    # Normal (360 min) and high (120 min) first responses fall today; low's (720 min) does not.
    assert references(listing(agent, view="breaching_today")) == [
        mine.reference,
        unassigned.reference,
    ]


def test_filters_from_query_drop_unknown_values():
    filters = ticket_filters_from_query(
        {"status": "open,bogus", "priority": ["high", "x"], "sort": "drop table", "view": "?"}
    )
    assert filters.status == ("open",)
    assert filters.priority == ("high",)
    assert filters.sort == "due"
    assert filters.view == ""


@pytest.mark.parametrize("sort", ["due", "received", "updated"])
def test_keyset_pages_walk_every_ticket_once_forwards_and_back(sort):
    for index in range(7):
        moment = MONDAY_10 + datetime.timedelta(minutes=index // 2)  # ties on every value
        with time_machine.travel(moment, tick=False):
            open_ticket(subject=f"t{index}", priority=["urgent", "low", "normal"][index % 3])
    everything = references(listing(sort=sort, page_size=100))

    seen, pages, cursor = [], [], None
    while True:
        page = ticket_list_page(
            user=None, filters=TicketFilters(sort=sort), cursor=cursor, page_size=3
        )
        pages.append(page)
        seen += references(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == everything and len(seen) == 7
    assert pages[0].previous_cursor is None

    back = ticket_list_page(
        user=None, filters=TicketFilters(sort=sort), cursor=pages[-1].previous_cursor, page_size=3
    )
    assert references(back) == references(pages[-2])


def test_cursor_of_another_sort_or_garbage_is_refused(frozen):
    for _ in range(3):
        open_ticket()
    cursor = listing(page_size=1).next_cursor
    with pytest.raises(InvalidCursor):
        ticket_list_page(user=None, filters=TicketFilters(sort="received"), cursor=cursor)
    with pytest.raises(InvalidCursor):
        ticket_list_page(user=None, filters=TicketFilters(), cursor="not-a-cursor")


def test_one_query_per_page_whatever_the_page_size(frozen, agent):
    for index in range(12):
        ticket = open_ticket(subject=f"件名{index}", body="請求について")
        Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    business_clock()  # the calendar is read once per process, not per page
    counts = []
    for size in (2, 10):
        for filters in (TicketFilters(), TicketFilters(q="請求", view="mine")):
            with CaptureQueriesContext(connection) as queries:
                page = ticket_list_page(user=agent, filters=filters, page_size=size)
                [(row.ticket.requester.email, row.ticket.assignee.username) for row in page.rows]
            counts.append(len(queries))
            assert len(page.rows) == size
    assert counts == [1, 1, 1, 1]


def test_sort_column_agrees_with_the_python_deadline(frozen, agent):
    ticket = open_ticket(priority="high")
    states = []
    for step in (
        lambda t: t,
        lambda t: ticket_staff_reply(ticket=t, author=agent, body_text="確認します"),
        lambda t: ticket_customer_reply(ticket=t, body_text="まだです"),
        lambda t: ticket_change_status(ticket=t, status=Ticket.Status.PENDING_CUSTOMER),
        lambda t: ticket_change_status(ticket=t, status=Ticket.Status.CLOSED),
    ):
        step(ticket)
        ticket = Ticket.objects.get(pk=ticket.pk)
        deadline = ticket_next_deadline(ticket)
        states.append(deadline[0] if deadline else None)
        if deadline:
            assert ticket.sort_due_at == deadline[1]
        else:
            assert ticket.sort_due_at.year == 9999
    assert states == ["first_response", "resolution", "next_response", None, None]


def test_the_list_never_reads_the_search_document_it_does_not_show(frozen):
    open_ticket(body="長い本文" * 500)
    with CaptureQueriesContext(connection) as queries:
        page = listing()
    assert len(page.rows) == 1
    assert "bigrams" not in queries[0]["sql"]
