"""Console forms: they validate input; the services in helpdesk.tickets do the writing."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from helpdesk.tickets.changes import Seen, user_display_name
from helpdesk.tickets.models import CannedResponse, Ticket
from helpdesk.tickets.services import AttachmentInput
from sla.models import Priority

from .selectors import staff_users

KEEP = ""  # the empty choice: leave the field as it is


def _keep(choices) -> list[tuple[str, str]]:
    return [(KEEP, _("(no change)")), *choices]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each checked against the size limit."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files]
        limit = settings.INQUIRY_MAX_ATTACHMENT_BYTES
        for upload in cleaned:
            if upload.size > limit:
                raise forms.ValidationError(
                    _("%(name)s is larger than %(limit)d MB.")
                    % {"name": upload.name, "limit": limit // (1024 * 1024)}
                )
        return cleaned


class SeenFields(forms.Form):
    """What the page showed when it was opened (for the collision guard)."""

    seen_message = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    seen_event = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def seen(self) -> Seen:
        return Seen(self.cleaned_data["seen_message"], self.cleaned_data["seen_event"])


class ReplyForm(SeenFields):
    body = forms.CharField(
        label=_("text"), widget=forms.Textarea(attrs={"rows": 8}), strip=False, max_length=50_000
    )
    status = forms.ChoiceField(
        label=_("status after sending"), choices=_keep(Ticket.Status.choices), required=False
    )
    attachments = MultipleFileField(label=_("attachments"), required=False)

    def attachment_inputs(self) -> list[AttachmentInput]:
        return [
            AttachmentInput(
                filename=upload.name,
                content_type=upload.content_type or "application/octet-stream",
                content=upload.read(),
            )
            for upload in self.cleaned_data.get("attachments") or []
        ]


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return user_display_name(obj)


class ChangeForm(SeenFields):
    status = forms.ChoiceField(label=_("status"), choices=Ticket.Status.choices)
    priority = forms.ChoiceField(label=_("priority"), choices=Priority.choices)
    assignee = StaffChoiceField(
        label=_("assignee"), queryset=staff_users(), required=False, empty_label=_("unassigned")
    )
    queue = forms.CharField(label=_("queue"), max_length=50, required=False)
    category = forms.CharField(label=_("category"), max_length=50, required=False)


class BulkForm(forms.Form):
    tickets = forms.ModelMultipleChoiceField(
        queryset=Ticket.objects.all(), widget=forms.MultipleHiddenInput
    )
    status = forms.ChoiceField(
        label=_("status"), choices=_keep(Ticket.Status.choices), required=False
    )
    priority = forms.ChoiceField(
        label=_("priority"), choices=_keep(Priority.choices), required=False
    )
    assignee = forms.ChoiceField(label=_("assignee"), required=False)
    queue = forms.CharField(label=_("queue"), max_length=50, required=False)

    UNASSIGN = "none"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # self.fields holds plain Fields to the type checker; this one is declared above.
        assignee = cast(forms.ChoiceField, self.fields["assignee"])
        assignee.choices = _keep(
            [(self.UNASSIGN, _("unassigned"))]
            + [(str(user.pk), user_display_name(user)) for user in staff_users()]
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        # What super().clean() returned, without the "| None" its type allows for overrides.
        data = self.cleaned_data
        if not any(data.get(name) for name in ("status", "priority", "assignee", "queue")):
            raise forms.ValidationError(_("Choose at least one change."))
        return data


class CannedResponseForm(forms.ModelForm):
    class Meta:
        model = CannedResponse
        fields = ["title", "body", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}
        help_texts = {
            "body": _(
                "Placeholders: {customer_name}, {reference}, {reply_deadline} are filled in "
                "for the ticket being answered."
            )
        }


class ClosureForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("reason"), max_length=200)
    announced_at = forms.DateTimeField(
        label=_("announced at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("From this moment the closure is shown to customers on the portal."),
    )


class ClosureRemoveForm(forms.Form):
    date = forms.DateField(widget=forms.HiddenInput)
