"""Rate limits key on the client's address; behind proxies, the one the proxies saw."""

from django.test import RequestFactory

from helpdesk.core.http import client_ip


def request_from(remote: str, forwarded: str = ""):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_proxies_the_connection_address_counts_and_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("127.0.0.7", "127.0.0.9")) == "127.0.0.7"


def test_behind_one_proxy_the_address_it_appended_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote the first entry itself (a forgery); the proxy appended the real one.
    request = request_from("127.0.0.1", "127.0.0.66, 127.0.0.5")
    assert client_ip(request) == "127.0.0.5"


def test_a_missing_header_behind_a_proxy_falls_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from("127.0.0.1", "127.0.0.5")) == "127.0.0.1"
