"""The customer's forms: the inquiry form and the reply form on the status page.

Every check a customer can fail is here, with a message that says what to fix; the views only
bind, ask ``is_valid()`` and hand the cleaned data to a service.
"""

from __future__ import annotations

import math
import mimetypes
import re
import unicodedata
from pathlib import PurePath
from typing import cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from helpdesk.tickets.services import AttachmentInput
from sla.models import Category

# Digits, spaces, hyphens, parentheses and a leading plus, after full-width characters (which
# Japanese keyboards often produce) were folded to their ASCII forms.
PHONE_PATTERN = re.compile(r"^\+?[0-9()\- ]{6,24}$")

MEGABYTE = 1024 * 1024


def _normalise(text: str) -> str:
    """Full-width letters, digits and symbols to ASCII: ``ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ``."""
    return unicodedata.normalize("NFKC", text).strip()


def _megabytes(size: int, *, round_up: bool = False) -> str:
    """``10 MB``-style sizes; a file's own size rounds up, so 10 MB + 1 byte reads 10.1."""
    tenths = size * 10 / MEGABYTE
    tenths = math.ceil(tenths) if round_up else round(tenths)
    return f"{tenths / 10:.1f}".removesuffix(".0")


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets the customer choose several files at once."""

    allow_multiple_selected = True


class AttachmentsField(forms.Field):
    """Up to ``max_count`` files, each at most ``max_bytes``, with an allowed extension.

    Cleans to a list of :class:`AttachmentInput`, ready for the ticket services. The content
    type is taken from the extension, not from what the browser claimed.
    """

    widget = MultipleFileInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    # The limits are read from the settings at each use, not once at import.
    @property
    def max_count(self) -> int:
        return settings.INQUIRY_MAX_ATTACHMENTS

    @property
    def max_bytes(self) -> int:
        return settings.INQUIRY_MAX_ATTACHMENT_BYTES

    @property
    def allowed_extensions(self) -> list[str]:
        return sorted({ext.lower().lstrip(".") for ext in settings.INQUIRY_ALLOWED_EXTENSIONS})

    def describe_limits(self) -> None:
        """Tell the customer (help text) and the browser's file picker (accept) the limits."""
        self.help_text = _(
            "Up to %(count)d files, each %(limit)s MB or less. Allowed types: %(extensions)s."
        ) % {
            "count": self.max_count,
            "limit": _megabytes(self.max_bytes),
            "extensions": ", ".join(self.allowed_extensions),
        }
        self.widget.attrs["accept"] = ",".join(f".{ext}" for ext in self.allowed_extensions)

    def to_python(self, data) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [uploaded for uploaded in files if uploaded]

    def validate(self, value: list[UploadedFile]) -> None:
        super().validate(value)
        if len(value) > self.max_count:
            raise ValidationError(
                ngettext(
                    "You can attach up to %(count)d file.",
                    "You can attach up to %(count)d files.",
                    self.max_count,
                )
                % {"count": self.max_count},
                code="too_many_files",
            )
        errors = []
        for uploaded in value:
            name = PurePath(uploaded.name or "").name
            extension = PurePath(name).suffix.lower().lstrip(".")
            if extension not in self.allowed_extensions:
                errors.append(
                    ValidationError(
                        _("The file “%(name)s” is of a type that cannot be attached."),
                        code="extension",
                        params={"name": name},
                    )
                )
            elif (uploaded.size or 0) > self.max_bytes:
                errors.append(
                    ValidationError(
                        _(
                            "The file “%(name)s” is %(size)s MB; "
                            "each file must be %(limit)s MB or less."
                        ),
                        code="too_large",
                        params={
                            "name": name,
                            "size": _megabytes(uploaded.size or 0, round_up=True),
                            "limit": _megabytes(self.max_bytes),
                        },
                    )
                )
            elif uploaded.size == 0:
                errors.append(
                    ValidationError(
                        _("The file “%(name)s” is empty."), code="empty", params={"name": name}
                    )
                )
        if errors:
            raise ValidationError(errors)

    def clean(self, value) -> list[AttachmentInput]:
        files = super().clean(value)
        attachments = []
        for uploaded in files:
            name = PurePath(uploaded.name).name[:255]
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            uploaded.seek(0)
            attachments.append(
                AttachmentInput(filename=name, content_type=content_type, content=uploaded.read())
            )
        return attachments


class NormalisedEmailField(forms.EmailField):
    """An email field that accepts full-width input such as ``ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ``."""

    def to_python(self, value) -> str:
        return _normalise(super().to_python(value) or "").lower()


class InquiryForm(forms.Form):
    organization = forms.CharField(
        label=_("Company name"),
        max_length=200,
        error_messages={"required": _("Please enter your company name.")},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Please enter your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = NormalisedEmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send the confirmation and our replies to this address."),
        error_messages={
            "required": _("Please enter your email address."),
            "invalid": _("The email address is not in a valid format."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        required=False,
        help_text=_("Optional. Example: 03-1234-5678"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("Please choose")), *Category.choices],
        error_messages={
            "required": _("Please choose a category."),
            "invalid_choice": _("Please choose a category from the list."),
        },
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        error_messages={"required": _("Please enter a subject.")},
    )
    body = forms.CharField(
        label=_("Your inquiry"),
        max_length=20000,
        help_text=_("Please describe what happened, what you expected, and when it happened."),
        error_messages={"required": _("Please describe your inquiry.")},
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    attachments = AttachmentsField(label=_("Attachments"))
    consent = forms.BooleanField(
        label=_("I agree to the handling of my personal information"),
        error_messages={
            "required": _("Please agree to the handling of your personal information."),
        },
    )
    # A honeypot: hidden from people by CSS, filled in by bots that fill in every field.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    required_css_class = "is-required"
    # No HTML ``required``: the browser's own bubble speaks the browser's language and stops at
    # the first field; the server's messages list every problem at once, in the page's language.
    use_required_attribute = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(AttachmentsField, self.fields["attachments"]).describe_limits()
        for field in self.fields.values():
            if field.required:
                field.widget.attrs["aria-required"] = "true"

    @property
    def is_honeypot_filled(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def clean_subject(self) -> str:
        # One line: the subject goes into mail headers, where a line break is not allowed.
        return " ".join(self.cleaned_data["subject"].split())

    def clean_phone(self) -> str:
        phone = _normalise(self.cleaned_data.get("phone") or "")
        if phone and not PHONE_PATTERN.match(phone):
            raise ValidationError(
                _("Please enter the phone number with digits and hyphens."), code="phone"
            )
        return phone


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=20000,
        error_messages={"required": _("Please enter your reply.")},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = AttachmentsField(label=_("Attachments"))

    required_css_class = "is-required"
    use_required_attribute = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(AttachmentsField, self.fields["attachments"]).describe_limits()
        self.fields["body"].widget.attrs["aria-required"] = "true"
