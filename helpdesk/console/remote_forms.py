"""The staff form to ask a customer for remote support."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.remote.models import RemoteSupportRequest


class RemoteRequestForm(forms.Form):
    scope = forms.ChoiceField(label=_("Scope"), choices=RemoteSupportRequest.Scope.choices)
    tool = forms.CharField(label=_("Tool"), max_length=100)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    expires_at = forms.DateTimeField(
        label=_("Consent valid until"),
        required=False,
        help_text=_("Empty: until the end of the next business day."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
