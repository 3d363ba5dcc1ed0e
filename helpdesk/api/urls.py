from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authentication import SessionAuthentication

from . import remote, tickets
from .apis import MailIntakeApi
from .staff_auth import IsDeskAgent, StaffTokenAuthentication

app_name = "api"

# The schema and its docs page describe staff endpoints: staff only, like the endpoints.
_STAFF_ONLY = {
    "authentication_classes": [StaffTokenAuthentication, SessionAuthentication],
    "permission_classes": [IsDeskAgent],
}

urlpatterns = [
    path("v1/intake/mail", MailIntakeApi.as_view(), name="intake-mail"),
    path("v1/tickets/", tickets.TicketListApi.as_view(), name="tickets"),
    path("v1/tickets/<int:pk>/", tickets.TicketDetailApi.as_view(), name="ticket"),
    path(
        "v1/tickets/<int:pk>/messages/",
        tickets.TicketMessagesApi.as_view(),
        name="ticket-messages",
    ),
    path("v1/tickets/<int:pk>/events/", tickets.TicketEventsApi.as_view(), name="ticket-events"),
    path(
        "v1/tickets/<int:pk>/remote-support/",
        remote.RemoteRequestsApi.as_view(),
        name="ticket-remote-support",
    ),
    path(
        "v1/tickets/<int:pk>/remote-support/<int:request_id>/session/start/",
        remote.RemoteSessionStartApi.as_view(),
        name="remote-session-start",
    ),
    path(
        "v1/tickets/<int:pk>/remote-support/<int:request_id>/session/end/",
        remote.RemoteSessionEndApi.as_view(),
        name="remote-session-end",
    ),
    path(
        "v1/tickets/<int:pk>/remote-support/audit/",
        remote.RemoteAuditApi.as_view(),
        name="remote-audit",
    ),
    path(
        "v1/tickets/<int:pk>/remote-support/audit.csv",
        remote.RemoteAuditCsvApi.as_view(),
        name="remote-audit-csv",
    ),
    path(
        "v1/schema/",
        SpectacularAPIView.as_view(api_version="1", **_STAFF_ONLY),
        name="schema",
    ),
    path(
        "v1/docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", **_STAFF_ONLY),
        name="docs",
    ),
]
