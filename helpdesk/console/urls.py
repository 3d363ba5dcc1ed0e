"""Console routes under /console/. Every view checks its role (see permissions.py)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .views import desk, mail, notifications, remote, tickets

app_name = "console"

urlpatterns = [
    path("", desk.dashboard_view, name="dashboard"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="console/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="console:login"), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="console/password_reset.html",
            email_template_name="console/password_reset_email.txt",
            subject_template_name="console/password_reset_subject.txt",
            success_url=reverse_lazy("console:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="console/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="console/password_reset_confirm.html",
            success_url=reverse_lazy("console:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="console/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("tickets/", tickets.ticket_list, name="tickets"),
    path("tickets/bulk/", tickets.ticket_bulk, name="ticket_bulk"),
    path("tickets/<int:pk>/", tickets.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/reply/", tickets.ticket_reply_view, name="ticket_reply"),
    path("tickets/<int:pk>/change/", tickets.ticket_change_view, name="ticket_change"),
    path("tickets/<int:pk>/canned/", tickets.ticket_canned_fill, name="ticket_canned"),
    path("attachments/<int:pk>/", tickets.attachment_download, name="attachment"),
    path("mail/quarantine/", mail.quarantine_list, name="quarantine"),
    path("mail/<int:pk>/raw/", mail.quarantine_raw, name="quarantine_raw"),
    path("mail/<int:pk>/reprocess/", mail.quarantine_reprocess, name="quarantine_reprocess"),
    path("mail/<int:pk>/discard/", mail.quarantine_discard, name="quarantine_discard"),
    path("calendar/", desk.calendar_view, name="calendar"),
    path("calendar/<int:year>/<int:month>/", desk.calendar_view, name="calendar_month"),
    path("calendar/closures/add/", desk.closure_add, name="closure_add"),
    path("calendar/closures/remove/", desk.closure_remove, name="closure_remove"),
    path("canned/", desk.canned_list, name="canned_list"),
    path("canned/new/", desk.canned_edit, name="canned_new"),
    path("canned/<int:pk>/", desk.canned_edit, name="canned_edit"),
    path("canned/<int:pk>/delete/", desk.canned_delete, name="canned_delete"),
    path("tickets/<int:pk>/remote/", remote.remote_panel, name="ticket_remote_panel"),
    path("tickets/<int:pk>/remote/request/", remote.remote_request_create, name="remote_request"),
    path(
        "tickets/<int:pk>/remote/<int:request_id>/start/",
        remote.remote_session_start_view,
        name="remote_session_start",
    ),
    path(
        "tickets/<int:pk>/remote/<int:request_id>/end/",
        remote.remote_session_end_view,
        name="remote_session_end",
    ),
    path("tickets/<int:pk>/remote/audit/", remote.remote_audit, name="remote_audit"),
    path("tickets/<int:pk>/remote/audit.csv", remote.remote_audit_csv, name="remote_audit_csv"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notifications_mark_read, name="notifications_read"),
]

# Sign-in and password reset are open to everyone by nature; the permission matrix test
# reads this set, and every other name above must refuse strangers.
PUBLIC_NAMES = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
