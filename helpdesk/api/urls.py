from django.urls import path

from .apis import MailIntakeApi

app_name = "api"

urlpatterns = [
    path("v1/intake/mail", MailIntakeApi.as_view(), name="intake-mail"),
]
