"""URL routes of the whole site."""

from django.contrib import admin
from django.urls import include, path

from helpdesk.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("helpdesk.api.urls")),
    path("console/", include("helpdesk.console.urls")),
    # The customer portal owns the root; keep it last so the paths above win.
    path("", include("helpdesk.portal.urls")),
]
