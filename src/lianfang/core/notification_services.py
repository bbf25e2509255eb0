"""Writes of a person's notifications: their channel choices (audited) and what they read.

Reading a message is the reader's own state, like a mail client's: it is not audited.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import Notification, NotificationChoice, NotificationSettings
from .notifications import KINDS

PHONE = re.compile(r"^1[3-9]\d{9}$")
BAD_PHONE = _("请输入 11 位手机号码，例如 13800138000。")


def _choices_of(user) -> dict:
    return {
        c.kind: {"email": c.email, "sms": c.sms}
        for c in NotificationChoice.objects.filter(user=user).order_by("kind")
    }


@transaction.atomic
def notification_settings_save(*, actor, phone: str, digest: bool, choices: dict) -> None:
    """Save the actor's own choices: `choices` maps a kind's code to {"email": bool, "sms":
    bool}; the inbox is always on. A phone number is required for SMS."""
    phone = (phone or "").replace(" ", "").replace("-", "")
    if phone and not PHONE.match(phone):
        raise ValidationError({"phone": BAD_PHONE}, code="bad_phone")
    unknown = set(choices) - set(KINDS)
    if unknown:
        raise ValidationError(_("未知的通知类型。"), code="unknown_kind")
    if not phone and any(c.get("sms") for c in choices.values()):
        raise ValidationError({"phone": _("选择短信通知时须填写手机号码。")}, code="phone_required")
    if digest and not actor.email:
        raise ValidationError(
            {"digest": _("您的账号没有邮箱地址，无法发送每日摘要，请联系管理员。")},
            code="no_email",
        )
    settings_row, _created = NotificationSettings.objects.select_for_update().get_or_create(
        user=actor
    )
    before = {"phone": settings_row.phone, "digest": settings_row.digest, **_choices_of(actor)}
    settings_row.phone, settings_row.digest = phone, bool(digest)
    settings_row.save()
    for code, choice in choices.items():
        NotificationChoice.objects.update_or_create(
            user=actor,
            kind=code,
            defaults={"email": bool(choice.get("email")), "sms": bool(choice.get("sms"))},
        )
    after = {"phone": phone, "digest": bool(digest), **_choices_of(actor)}
    if before != after:
        audit.record(
            actor=actor,
            action="notification_settings.update",
            obj=settings_row,
            before=before,
            after=after,
        )


def notification_mark_read(*, user, notification: Notification) -> None:
    if notification.recipient_id != user.pk:
        raise ValidationError(_("不能标记他人的通知。"))
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
