import pytest
from django.test import RequestFactory

from lianfang.core.client_address import client_address, parse_networks


def address(settings, trusted, remote, forwarded=None):
    settings.LIANFANG_TRUSTED_PROXIES = trusted
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


@pytest.mark.parametrize(
    "trusted, remote, forwarded, expected",
    [
        # No trusted proxy: the header is anybody's, the peer is the client.
        ([], "203.0.113.5", "192.0.2.1", "203.0.113.5"),
        # An untrusted peer's header is ignored even when proxies are configured.
        (["127.0.0.1"], "203.0.113.5", "192.0.2.1", "203.0.113.5"),
        # nginx on this host: the header names the client.
        (["127.0.0.1", "::1"], "127.0.0.1", "192.0.2.1", "192.0.2.1"),
        (["127.0.0.1", "::1"], "::1", "192.0.2.1", "192.0.2.1"),
        # The right-most untrusted entry: what the client wrote itself stands left of it.
        (["127.0.0.1"], "127.0.0.1", "10.9.9.9, 192.0.2.1", "192.0.2.1"),
        # A chain of trusted proxies (a network), walked from the right.
        (["10.0.0.0/8"], "10.0.0.2", "198.51.100.4, 192.0.2.1, 10.1.1.1", "192.0.2.1"),
        # Every hop trusted: the left-most is the closest to the client.
        (["10.0.0.0/8"], "10.0.0.2", "10.3.3.3, 10.1.1.1", "10.3.3.3"),
        # A trusted proxy without a header: the proxy is all we know.
        (["127.0.0.1"], "127.0.0.1", None, "127.0.0.1"),
        # Garbage right of any address: nothing beyond the proxy is believed.
        (["127.0.0.1"], "127.0.0.1", "192.0.2.1, unknown", "127.0.0.1"),
        # Ports and brackets, IPv6 clients, IPv4 seen through an IPv6 socket.
        (["127.0.0.1"], "127.0.0.1", "192.0.2.1:5050", "192.0.2.1"),
        (["127.0.0.1"], "127.0.0.1", "[2001:db8::7]:443", "2001:db8::7"),
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
        (["127.0.0.1"], "::ffff:127.0.0.1", "192.0.2.1", "192.0.2.1"),
    ],
)
def test_client_address(settings, trusted, remote, forwarded, expected):
    assert address(settings, trusted, remote, forwarded) == expected


def test_bad_proxy_entries_are_named():
    with pytest.raises(ValueError, match="nginx"):
        parse_networks(["127.0.0.1", "nginx"])
