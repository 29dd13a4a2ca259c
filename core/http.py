"""Request helpers that every app may use (core imports no domain app)."""
from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings


@cache
def _trusted_networks() -> tuple:
    return tuple(ipaddress.ip_network(net, strict=False) for net in settings.TRUSTED_PROXIES)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _trusted_networks())


def client_address(request) -> str | None:
    """The real client address of a request.

    ``X-Forwarded-For`` is believed only when the peer (REMOTE_ADDR) is one of the configured proxies
    (setting ``TRUSTED_PROXIES``): walking the header from the right, every hop that is itself a trusted
    proxy is skipped and the first other address is the client. Anything a client writes into the header
    before the first trusted proxy is ignored, so the header cannot be used to forge an address.
    """
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    if remote is None or not _is_trusted(remote):
        return _valid(remote)
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop):
            return _valid(hop)
    return _valid(hops[0] if hops else remote)


def _valid(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
