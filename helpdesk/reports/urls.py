"""Staff reports, mounted at /console/reports/."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("availability/", views.availability, name="availability"),
    path(
        "availability/<str:month>.csv",
        views.availability_csv,
        name="availability_csv",
    ),
]
