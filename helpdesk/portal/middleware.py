"""The page language: ``?lang=en`` or ``?lang=ja`` (remembered in the language cookie), else
the cookie, else Japanese.

The browser's Accept-Language is deliberately not consulted: the desk's customers are Japanese
companies, and a staff member abroad or an English-configured browser should still see the
Japanese portal first; one click (or ``?lang=en``) switches.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    supported = {language for language, _name in settings.LANGUAGES}
    code = code.strip().lower()
    return code if code in supported else None


class PortalLanguageMiddleware:
    """Runs after ``LocaleMiddleware`` and decides the language as described above."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        requested = _supported(request.GET.get("lang"))
        remembered = _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        language = requested or remembered or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if requested and requested != remembered:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                requested,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        response.headers.setdefault("Content-Language", language)
        return response
