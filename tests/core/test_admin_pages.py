"""Staff can reach the admin pages that run the desk: each list and add page renders."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("admin", "admin@example.jp", "x")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/sla/closureday/",
        "/admin/sla/closureday/add/",
        "/admin/sla/slapolicy/",
        "/admin/sla/maintenancewindow/",
        "/admin/sla/maintenancewindow/add/",
        "/admin/tickets/ticket/",
        "/admin/tickets/contact/",
        "/admin/mail/inboundmail/",
        "/admin/mail/mailgatewaytoken/",
        "/admin/core/heartbeat/",
    ],
)
def test_admin_pages_render_for_staff(staff_client, path):
    response = staff_client.get(path)
    assert response.status_code == 200, path


def test_admin_pages_are_closed_to_anonymous_visitors(client):
    response = client.get("/admin/tickets/ticket/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_closure_entered_in_the_admin_moves_the_calendar(staff_client):
    import datetime

    from sla.calendars import business_clock

    response = staff_client.post(
        "/admin/sla/closureday/add/",
        {"date": "2026-12-28", "reason": "社内棚卸し", "announced_at_0": "", "announced_at_1": ""},
    )
    assert response.status_code == 302
    day = business_clock().day_info(datetime.date(2026, 12, 28))
    assert (day.is_business_day, day.reason) == (False, "社内棚卸し")
