"""SMS backends for notifications (`LIANFANG_SMS_BACKEND`).

- `ConsoleBackend` (the default, the demo's): writes the message to the log.
- `AliyunBackend`: Alibaba Cloud's SMS service (短信服务), the `SendSms` action of its RPC
  API (version 2017-05-25), signed with its signature method 1.0 (HMAC-SHA1 over the sorted,
  percent-encoded query). Settings: `LIANFANG_SMS_ACCESS_KEY_ID`, `..._SECRET`,
  `LIANFANG_SMS_SIGN_NAME` (the approved 签名), `LIANFANG_SMS_TEMPLATE` (an approved template
  code whose one variable `${title}` receives the message's title), and
  `LIANFANG_SMS_ENDPOINT` (default `https://dysmsapi.aliyuncs.com/`).

A backend's `send(phone, text)` raises `SmsError` (or any error) when the message was not
accepted; the delivery is then retried (`core.notifications.deliver`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.parse
import urllib.request
import uuid

from django.conf import settings

logger = logging.getLogger("lianfang.sms")

# Aliyun allows at most 35 characters in a template variable.
TITLE_MAX = 35


class SmsError(Exception):
    pass


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", phone, text)


def percent_encode(value: str) -> str:
    """Aliyun's encoding: RFC 3986 unreserved characters kept, everything else %XY (UTF-8);
    a space is %20, never +."""
    return urllib.parse.quote(str(value), safe="~")


def aliyun_signature(params: dict, secret: str, method: str = "GET") -> str:
    """Signature method 1.0 of Aliyun's RPC APIs: Base64(HMAC-SHA1(secret + "&",
    method & %2F & encode(sorted query)))."""
    query = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}"
        for k, v in sorted(params.items())
        if k != "Signature"
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend:
    def __init__(self):
        self.key_id = settings.LIANFANG_SMS_ACCESS_KEY_ID
        self.secret = settings.LIANFANG_SMS_ACCESS_KEY_SECRET
        self.sign_name = settings.LIANFANG_SMS_SIGN_NAME
        self.template = settings.LIANFANG_SMS_TEMPLATE
        self.endpoint = settings.LIANFANG_SMS_ENDPOINT
        self.timeout = 10

    def params(self, phone: str, text: str, *, nonce: str | None = None, now=None) -> dict:
        now = now or dt.datetime.now(dt.UTC)
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template,
            "TemplateParam": json.dumps({"title": text[:TITLE_MAX]}, ensure_ascii=False),
            "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(params, self.secret)
        return params

    def send(self, phone: str, text: str) -> None:
        if not (self.key_id and self.secret and self.sign_name and self.template):
            raise SmsError("Aliyun SMS is not configured (LIANFANG_SMS_* settings)")
        query = "&".join(
            f"{percent_encode(k)}={percent_encode(v)}" for k, v in self.params(phone, text).items()
        )
        url = f"{self.endpoint}?{query}"
        if not url.startswith(("https://", "http://")):
            raise SmsError("LIANFANG_SMS_ENDPOINT must be an http(s) URL")
        request = urllib.request.Request(url, method="GET")  # noqa: S310 - scheme checked
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace")[:500]
            raise SmsError(f"HTTP {exc.code}: {body}") from exc
        if answer.get("Code") != "OK":
            raise SmsError(f"{answer.get('Code')}: {answer.get('Message')}")
