"""The hand-over list of initial passwords (初始密码交接单), sealed at rest.

A bulk creation of accounts (services.accounts_bulk_create) gives each new account a random
one-time password that its holder must change at first sign-in. The administrator needs the
list once, to print it or download it and hand each line over; the platform must not keep the
passwords readable. So the list is kept as one Fernet token (the platform data key,
LIANFANG_DATA_KEY, as encrypted attachments are: core.attachments), for `KEEP` only: the
token carries its own time and is refused after that, and the row is purged
(`handover_purge`, run by every creation and every read of the lists).
"""

import datetime as dt
import io
import json
import secrets

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core.spreadsheets import Column, SheetWriter

KEEP = dt.timedelta(hours=24)

# No look-alikes (0/O, 1/l/I): the passwords are read off paper and typed.
LOWER = "abcdefghjkmnpqrstuvwxyz"
UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "23456789"
PASSWORD_LENGTH = 10


def initial_password(length: int = PASSWORD_LENGTH) -> str:
    """A random password of `length` with a lower-case letter, a capital and a digit
    (about 57 bits for 10 characters)."""
    alphabet = LOWER + UPPER + DIGITS
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c in LOWER for c in password)
            and any(c in UPPER for c in password)
            and any(c in DIGITS for c in password)
        ):
            return password


def _fernet() -> Fernet:
    # LIANFANG_DATA_KEY in production; settings.DATA_KEY adds the development key when DEBUG
    # is on, so the demo can hand over its lists too.
    key = getattr(settings, "LIANFANG_DATA_KEY", "") or getattr(settings, "DATA_KEY", "")
    if not key:
        raise ImproperlyConfigured(
            "LIANFANG_DATA_KEY is not set: initial passwords cannot be handed over."
        )
    return Fernet(key)


def seal(rows: list[dict]) -> str:
    """`rows` (JSON-able) as a Fernet token."""
    return _fernet().encrypt(json.dumps(rows, ensure_ascii=False).encode()).decode()


def unseal(token: str, *, now: dt.datetime | None = None) -> list[dict] | None:
    """The rows of a token sealed less than `KEEP` before `now`; None when it is older or
    unreadable (another key)."""
    ttl = int(KEEP.total_seconds())
    try:
        if now is None:
            data = _fernet().decrypt(token.encode(), ttl=ttl)
        else:
            data = _fernet().decrypt_at_time(token.encode(), ttl, int(now.timestamp()))
    except InvalidToken:
        return None
    return json.loads(data)


COLUMNS = (
    Column("staff_no", gettext_lazy("工号"), 12, text=True),
    Column("name", gettext_lazy("姓名"), 14),
    Column("department", gettext_lazy("科室"), 18),
    Column("username", gettext_lazy("用户名"), 18, text=True),
    Column("password", gettext_lazy("初始密码"), 16, text=True),
    Column("signature", gettext_lazy("领取人签字"), 16),
)


def workbook(sheet, rows: list[dict]) -> bytes:
    """The hand-over list `sheet` (a PasswordHandover) with its `rows` as .xlsx bytes: one
    line per account with room for the receiver's signature, and what to do with it."""
    out = io.BytesIO()
    with SheetWriter(out) as book:
        page = book.sheet(_("初始密码交接单"), COLUMNS)
        for row in rows:
            page.row(row)
        notes = book.instructions(
            _("初始密码交接单说明"),
            [
                _("1. 初始密码只能使用一次：首次登录后须立即修改为只有本人知道的密码。"),
                _("2. 请将每行单独交给本人，由本人签字领取；请勿通过群聊等方式发送。"),
                _("3. 交接完毕后请删除本文件；纸质名单请妥善保管或销毁。"),
                _("4. 本交接单在平台上保留 24 小时后自动删除。"),
            ],
        )
        notes.row([f"{sheet.organisation.name} · {sheet.title}"])
    return out.getvalue()
