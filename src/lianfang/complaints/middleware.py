"""Reporter privacy: the intake and receipt pages never see who is asking.

Placed FIRST in settings.MIDDLEWARE, so that nothing after it (Django's request logging,
django-axes, error reports, the audit chain, any view) can read, log or store the client's
address or browser. For a path under one of PRIVATE_PREFIXES it removes from the request the
address (REMOTE_ADDR, X-Forwarded-For, X-Real-IP, Forwarded …), the user agent and a
referer from another site (a same-site one names only our own page, and CSRF checks of HTTPS
posts from browsers that send no Origin need it), after deriving one thing from the address:
`request.complaints_client_key`, a keyed hash of it that changes every hour, which the
receipt check's rate limiter uses in the cache (a short-lived counter) and nowhere else.
"""

import hashlib
import hmac
import time
from urllib.parse import urlsplit

from django.conf import settings

from lianfang.core.client_address import client_address

# The public pages of the module (intake, receipt): see urls.py.
PRIVATE_PREFIXES = ("/complaints/report/", "/complaints/receipt/")
STRIPPED = (
    "REMOTE_ADDR",
    "REMOTE_HOST",
    "REMOTE_PORT",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_X_CLIENT_IP",
    "HTTP_CLIENT_IP",
    "HTTP_X_CLUSTER_CLIENT_IP",
    "HTTP_CF_CONNECTING_IP",
    "HTTP_TRUE_CLIENT_IP",
    "HTTP_USER_AGENT",
    "HTTP_SEC_CH_UA",
    "HTTP_SEC_CH_UA_PLATFORM",
    "HTTP_SEC_CH_UA_MOBILE",
    "HTTP_VIA",
)
# A blank address: Django and libraries that insist on one get this.
NOWHERE = "0.0.0.0"  # noqa: S104


def is_private(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES)


def client_key(request) -> str:
    """A keyed hash of the client's address for this hour (never the address itself)."""
    hour = int(time.time() // 3600)
    message = f"{client_address(request)}|{hour}".encode()
    key = hashlib.sha256(("complaints.client|" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def _foreign_referer(meta) -> bool:
    referer = meta.get("HTTP_REFERER", "")
    return bool(referer) and urlsplit(referer).netloc != meta.get("HTTP_HOST", "")


def strip(request) -> None:
    request.complaints_client_key = client_key(request)
    meta = request.META
    if _foreign_referer(meta):
        meta.pop("HTTP_REFERER", None)
    for name in STRIPPED:
        meta.pop(name, None)
    for name in [n for n in meta if n.startswith("HTTP_SEC_CH_UA")]:
        meta.pop(name, None)
    meta["REMOTE_ADDR"] = NOWHERE


class ReporterPrivacyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_private(request.path_info):
            strip(request)
            response = self.get_response(request)
            # Not "no-referrer": browsers then post with `Origin: null`, which CSRF refuses.
            response["Referrer-Policy"] = "same-origin"
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
