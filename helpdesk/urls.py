"""URL routes of the whole site."""

from django.contrib import admin
from django.urls import include, path

from helpdesk.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("helpdesk.api.urls")),
    path("console/reports/", include("helpdesk.reports.urls")),
    path("console/", include("helpdesk.console.urls")),
    # The customer portal owns the root; keep it last so the paths above win.
    path("", include("helpdesk.portal.urls")),
]

# The error pages are the site's own (helpdesk/core/errors.py), for the portal, console and admin.
handler403 = "helpdesk.core.errors.permission_denied"
handler404 = "helpdesk.core.errors.page_not_found"
handler500 = "helpdesk.core.errors.server_error"
