"""The customer portal: notices, the inquiry form, and the status page behind a private link."""

from django.urls import path, register_converter

from . import remote_views, service_views, views


class AccessTokenConverter:
    """Status-page keys are URL-safe base64 (``secrets.token_urlsafe``); nothing else is."""

    regex = r"[A-Za-z0-9_-]{16,128}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AccessTokenConverter, "access_token")

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("inquiry/", views.inquiry_create, name="inquiry"),
    path("status/", service_views.status, name="service_status"),
    path("environment/", service_views.environment, name="environment"),
    path("inquiry/thanks/", views.inquiry_thanks, name="inquiry_thanks"),
    path("t/<access_token:token>/", views.ticket_status, name="ticket_status"),
    path(
        "t/<access_token:token>/attachments/<int:attachment_id>/",
        views.ticket_attachment_download,
        name="ticket_attachment",
    ),
    path("remote/<access_token:token>/", remote_views.remote_consent, name="remote_consent"),
    path(
        "t/<access_token:token>/remote/<int:request_id>/decide/",
        remote_views.ticket_remote_decide,
        name="ticket_remote_decide",
    ),
    path(
        "t/<access_token:token>/remote/<int:request_id>/revoke/",
        remote_views.ticket_remote_revoke,
        name="ticket_remote_revoke",
    ),
]
