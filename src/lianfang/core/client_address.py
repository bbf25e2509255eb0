"""The address of the client behind the request, for login throttling.

Behind a reverse proxy every request comes from the proxy's address, so throttling by
`REMOTE_ADDR` would put every user behind one address. The `X-Forwarded-For` header names the
client, but anybody can send one: it is read only when the request comes from a proxy listed
in `settings.LIANFANG_TRUSTED_PROXIES` (addresses or networks), and then only as far as the
trusted proxies vouch for it: walking the header from the right, the first address that is
not a trusted proxy is the client. Entries to its left were written by the client and are
ignored.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core import checks

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries) -> tuple[Network, ...]:
    """`entries` (addresses or CIDR networks) as networks; ValueError names a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"not an address or network: {entry!r}") from exc
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(entries)


def trusted_proxies() -> tuple[Network, ...]:
    return _trusted(tuple(getattr(settings, "LIANFANG_TRUSTED_PROXIES", ()) or ()))


def _address(text: str):
    """An address from a header entry or REMOTE_ADDR (`[v6]:port` and `v4:port` too), or None."""
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # an IPv4 address with a port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is the same client.
    return getattr(address, "ipv4_mapped", None) or address


def _is_trusted(address, networks) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_address(request) -> str:
    """The client's address as text (the `AXES_CLIENT_IP_CALLABLE` of the settings)."""
    remote_text = request.META.get("REMOTE_ADDR") or ""
    remote = _address(remote_text)
    if remote is None:
        return remote_text
    networks = trusted_proxies()
    if not networks or not _is_trusted(remote, networks):
        return str(remote)
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in header.split(",") if hop.strip()]
    client = remote
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a trusted proxy passed on garbage: trust nothing beyond it
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


@checks.register(checks.Tags.security, deploy=True)
def check_trusted_proxies(app_configs=None, **kwargs):
    """Behind a proxy without trusted proxies, every client has the proxy's address."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not trusted_proxies():
        return [
            checks.Warning(
                "The site runs behind a proxy (BEHIND_PROXY) but LIANFANG_TRUSTED_PROXIES is "
                "empty: every request seems to come from the proxy, so the login lockout of an "
                "address and a username locks the username for everybody.",
                hint="Set LIANFANG_TRUSTED_PROXIES to the proxy's address (nginx on the same "
                "host: 127.0.0.1,::1). See docs/deployment.md.",
                id="lianfang.W001",
            )
        ]
    return []
