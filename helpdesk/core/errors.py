"""The site's error pages (403 with CSRF failures, 404, 429, 500) for the portal, the console
and the admin alike: one neutral template each, in the page's language, with a way back
chosen from the path that failed."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

CONSOLE_PREFIX = "/console/"
ADMIN_PREFIX = "/admin/"


@dataclass(frozen=True)
class BackLink:
    url: str
    label: str | Promise


def _url(name: str, default: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # the console is optional: the site works without it
        return default


def back_link(request: HttpRequest, *, to_form: bool = False) -> BackLink:
    """Where "back" leads from a failed request: the console's start, the admin's index, or the
    portal's top page; with ``to_form``, the page that holds the form that was sent (forms on
    this site post to their own page), except the language switch, which has no page."""
    path = request.path
    if to_form and request.method == "POST" and not path.startswith(_url("set_language", "/i18n/")):
        return BackLink(path, _("Back to the form"))
    if path.startswith(CONSOLE_PREFIX):
        return BackLink(_url("console:home", CONSOLE_PREFIX), _("Back to the console"))
    if path.startswith(ADMIN_PREFIX):
        return BackLink(_url("admin:index", ADMIN_PREFIX), _("Back to the administration"))
    return BackLink(_url("portal:home", "/"), _("Back to the notices"))


def error_page(
    request: HttpRequest,
    *,
    status: int,
    to_form: bool = False,
    context: dict[str, object] | None = None,
) -> HttpResponse:
    back = back_link(request, to_form=to_form)
    page_context = {
        "back_url": back.url,
        "back_label": back.label,
        # ?lang= switches the language (PortalLanguageMiddleware). A POST cannot be repeated by
        # a link, so the switch opens the page "back" leads to, in the other language.
        "language_switch_url": (request.path if request.method in ("GET", "HEAD") else back.url)
        + "?lang=",
        "is_portal": not request.path.startswith((CONSOLE_PREFIX, ADMIN_PREFIX)),
        **(context or {}),
    }
    html = render_to_string(f"{status}.html", page_context, request=request)
    return HttpResponse(html, status=status)


def csrf_reason_text(reason: str) -> str | Promise:
    """Django's technical reason, said so that a customer knows what to do."""
    if reason == REASON_NO_CSRF_COOKIE:
        return _(
            "Your browser did not send this site's cookie, which protects forms. Please allow "
            "cookies for this site and try again."
        )
    if "token" in reason.lower():
        return _(
            "The page was open for a long time, or was sent from an old copy, so its security "
            "check no longer matches."
        )
    return _("The form was sent from another site, or your browser hid where it came from.")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a 403 in the page's language with a link back to the form."""
    # Django's CSRF middleware has already logged the refusal with its reason.
    return error_page(
        request, status=403, to_form=True, context={"csrf_reason": csrf_reason_text(reason)}
    )


def rate_limited(
    request: HttpRequest, *, retry_after_seconds: int, kept_text: str = ""
) -> HttpResponse:
    """429 with ``Retry-After``; ``kept_text`` is shown so that what was typed is not lost."""
    response = error_page(
        request,
        status=429,
        to_form=True,
        context={
            "retry_after_minutes": max(1, math.ceil(retry_after_seconds / 60)),
            "kept_text": kept_text,
        },
    )
    response.headers["Retry-After"] = str(retry_after_seconds)
    return response


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return error_page(request, status=500)
    except Exception:
        # The page must not fail in turn (a broken template, a lost translation): plain words.
        logger.exception("the 500 page could not be rendered")
        return HttpResponse(
            "<!doctype html><title>500</title><h1>500</h1>"
            "<p>エラーが発生しました。 / Something went wrong.</p>",
            status=500,
        )
