"""Notifications: one call sends a message to people or roles, in their inbox and, as each
person chose for that kind of message, by e-mail and SMS.

An app declares the kinds it sends (as it declares its audit labels and attachment uses),
in a module its `ready()` imports:

    REVIEW_WAITING = notifications.declare(notifications.Kind(
        code="review.waiting", label=_("待我审核"),
        subject=_("%(subject)s 待您审核"), template="reviews/notifications/waiting.txt",
        email=True,
    ))

and sends with

    notifications.notify(
        REVIEW_WAITING,
        recipients=[user, notifications.RoleOn(Role.INTEGRITY, organisation)],
        context={"subject": str(point)}, target=point, link=url, organisation=org,
    )

- The inbox is always on; e-mail and SMS follow the person's choice per kind
  (`NotificationChoice`), else the kind's defaults. A daily digest (`digest`) gathers the
  unread messages for those who asked for it.
- `notify` writes the messages and the deliveries in the caller's transaction; the deliveries
  are handed to the task queue (`django_tasks`, the `TASKS` setting) once it commits, so
  nothing is sent for a write that was rolled back and no request waits for a mail server.
- A failed delivery is retried with backoff (`BACKOFF`, at most `MAX_ATTEMPTS` attempts): by
  the queue itself when its backend can defer a task, else by `lianfang notifications retry`
  (the scheduler's). Administrators see each delivery's state on 系统维护 › 外发记录.
- Core names no app: recipients by role are resolved by the function the accounts app
  registers (`role_resolver`); the target's link is shown to a reader only if the target's
  model's `visible_to(user)` selector (core.scoping) holds it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django_tasks import default_task_backend, task

from .models import Delivery, Notification, NotificationChoice, NotificationSettings

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Seconds to wait after the n-th failed attempt: 1 min, 5 min, 30 min, 2 h.
BACKOFF = (60, 300, 1800, 7200)


@dataclass(frozen=True)
class Kind:
    """A kind of message an app sends. `subject` is a lazy format string filled with the
    message's context; `template`, if given, renders the body (plain text) with it. `email`
    and `sms` are the channels used for a person who has not chosen."""

    code: str
    label: object
    subject: object
    template: str = ""
    email: bool = False
    sms: bool = False
    order: int = 0


KINDS: dict[str, Kind] = {}


def declare(kind: Kind) -> str:
    """Declare a kind of message; returns its code. Declaring one code twice is refused."""
    if kind.code in KINDS and KINDS[kind.code] != kind:
        raise ValueError(f"notification kind {kind.code!r} is declared twice")
    KINDS[kind.code] = kind
    return kind.code


def kinds() -> list[Kind]:
    from django.apps import apps

    apps.get_app_configs()
    return sorted(KINDS.values(), key=lambda k: (k.order, k.code))


@dataclass(frozen=True)
class RoleOn:
    """Everyone holding `role` on `organisation` (and, for a department head, `department`)."""

    role: str
    organisation: object
    department: object = None


_role_resolver: Callable | None = None


def role_resolver(fn):
    """Register `fn(role, organisation, department) -> iterable of user ids` (accounts)."""
    global _role_resolver
    _role_resolver = fn
    return fn


def _recipient_ids(recipients) -> set[int]:
    ids: set[int] = set()
    for r in recipients:
        if r is None:
            continue
        if isinstance(r, RoleOn):
            if _role_resolver is None:
                raise RuntimeError("no role resolver is registered (the accounts app does)")
            ids.update(_role_resolver(r.role, r.organisation, r.department))
        elif isinstance(r, int):
            ids.add(r)
        else:
            ids.add(r.pk)
    return ids


def render(kind: Kind, context: dict) -> tuple[str, str]:
    """The subject and body of a message of `kind`, in the active language."""
    subject = str(kind.subject) % context if context else str(kind.subject)
    body = render_to_string(kind.template, context).strip() if kind.template else ""
    return subject[:200], body


def notify(
    kind: str,
    *,
    recipients: Iterable,
    context: dict | None = None,
    target: models.Model | None = None,
    link: str = "",
    organisation=None,
    key: str = "",
    exclude: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> list[Notification]:
    """Send a message of `kind` to `recipients` (users, user ids, `RoleOn`): one inbox entry
    each (active accounts only, none for the ids in `exclude`), and a delivery for each
    channel the person chose. With `key`, a person who already has a message of that key gets
    none (a daily reminder run twice). Returns the messages written."""
    if kind not in KINDS:
        raise ValueError(f"no notification kind {kind!r}")
    spec = KINDS[kind]
    context = {k: str(v) for k, v in (context or {}).items()}
    now = now or timezone.now()
    from django.contrib.auth import get_user_model

    ids = _recipient_ids(recipients) - set(exclude)
    if not ids:
        return []
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(pk__in=ids, is_active=True).only("pk", "email")
    }
    if key:
        taken = set(
            Notification.objects.filter(recipient_id__in=users, key=key).values_list(
                "recipient_id", flat=True
            )
        )
        users = {pk: u for pk, u in users.items() if pk not in taken}
    if not users:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = render(spec, context)
    content_type = ContentType.objects.get_for_model(target) if target is not None else None
    with transaction.atomic():
        messages = Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=pk,
                    kind=kind,
                    subject=subject,
                    body=body,
                    context=context,
                    content_type=content_type,
                    object_id=target.pk if target is not None else None,
                    link=link,
                    organisation=organisation,
                    key=key,
                    created_at=now,
                )
                for pk in sorted(users)
            ]
        )
        deliveries = _deliveries(spec, messages, users, organisation)
        if deliveries:
            deliveries = Delivery.objects.bulk_create(deliveries)
            ids = [d.pk for d in deliveries]
            transaction.on_commit(partial(_enqueue, ids))
    return messages


def _deliveries(spec: Kind, messages, users, organisation) -> list[Delivery]:
    user_ids = list(users)
    choices = {
        c.user_id: c
        for c in NotificationChoice.objects.filter(user_id__in=user_ids, kind=spec.code)
    }
    phones = dict(
        NotificationSettings.objects.filter(user_id__in=user_ids)
        .exclude(phone="")
        .values_list("user_id", "phone")
    )
    out = []
    for message in messages:
        choice = choices.get(message.recipient_id)
        wants_email = choice.email if choice else spec.email
        wants_sms = choice.sms if choice else spec.sms
        email = users[message.recipient_id].email
        common = {
            "notification": message,
            "recipient_id": message.recipient_id,
            "organisation": organisation,
            "subject": message.subject,
            "body": message.body,
        }
        if wants_email and email:
            out.append(Delivery(channel=Delivery.Channel.EMAIL, address=email, **common))
        phone = phones.get(message.recipient_id)
        if wants_sms and phone:
            out.append(Delivery(channel=Delivery.Channel.SMS, address=phone, **common))
    return out


def _enqueue(ids: list[int]) -> None:
    for pk in ids:
        deliver_task.enqueue(pk)


@task()
def deliver_task(delivery_id: int) -> str:
    """The queue's task: one attempt at one delivery."""
    return deliver(delivery_id)


# Sending -------------------------------------------------------------------------------------


def sms_backend():
    """The configured SMS backend (`LIANFANG_SMS_BACKEND`), see `core.sms`."""
    return import_string(settings.LIANFANG_SMS_BACKEND)()


def _send(delivery: Delivery) -> None:
    if delivery.channel == Delivery.Channel.SMS:
        sms_backend().send(delivery.address, delivery.subject)
        return
    body = delivery.body or delivery.subject
    sent = EmailMessage(
        subject=delivery.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
    ).send()
    if not sent:
        raise RuntimeError("the mail backend sent nothing")


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failure."""
    return dt.timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])


def deliver(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """One attempt at sending a pending or retrying delivery. The attempt is claimed by a
    conditional UPDATE, so two runners never send one delivery twice at once. Returns the
    delivery's status afterwards ("" when there was nothing to attempt)."""
    now = now or timezone.now()
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.status not in (
        Delivery.Status.PENDING,
        Delivery.Status.RETRYING,
    ):
        return ""
    claimed = Delivery.objects.filter(
        pk=delivery.pk, status=delivery.status, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return ""
    delivery.attempts += 1
    try:
        _send(delivery)
    except Exception as exc:  # noqa: BLE001 - any failure of the channel is retried
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
            logger.error("delivery %s failed for good: %s", delivery.pk, delivery.last_error)
        else:
            delivery.status = Delivery.Status.RETRYING
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
        if delivery.status == Delivery.Status.RETRYING and default_task_backend.supports_defer:
            deliver_task.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
        return delivery.status
    delivery.status, delivery.sent_at, delivery.next_attempt_at = Delivery.Status.SENT, now, None
    delivery.save(update_fields=["status", "sent_at", "next_attempt_at"])
    return delivery.status


def retry_due(*, now: dt.datetime | None = None) -> int:
    """Attempt again every delivery whose wait is over (the scheduler's, for a queue that
    cannot defer a task), and any pending one the queue lost. Returns how many were tried."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(
            models.Q(status=Delivery.Status.RETRYING, next_attempt_at__lte=now)
            | models.Q(
                status=Delivery.Status.PENDING, created_at__lte=now - dt.timedelta(minutes=5)
            )
        ).values_list("pk", flat=True)
    )
    for pk in due:
        deliver(pk, now=now)
    return len(due)


# The daily digest ----------------------------------------------------------------------------


def digest(*, now: dt.datetime | None = None) -> int:
    """One e-mail per person who asked for the daily digest, listing their unread messages of
    the last day not digested yet. Returns the number of digests queued."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=1)
    wanted = dict(
        NotificationSettings.objects.filter(digest=True, user__is_active=True)
        .exclude(user__email="")
        .values_list("user_id", "user__email")
    )
    if not wanted:
        return 0
    unread = list(
        Notification.objects.filter(
            recipient_id__in=wanted,
            read_at__isnull=True,
            digested_at__isnull=True,
            created_at__gte=since,
            created_at__lte=now,
        ).order_by("recipient_id", "created_at", "id")
    )
    by_user: dict[int, list[Notification]] = {}
    for message in unread:
        by_user.setdefault(message.recipient_id, []).append(message)
    with translation.override(settings.LANGUAGE_CODE):
        deliveries = [
            Delivery(
                recipient_id=user_id,
                channel=Delivery.Channel.DIGEST,
                address=wanted[user_id],
                subject=translation.gettext("廉防：您有 %(n)s 条未读通知") % {"n": len(messages)},
                body=render_to_string(
                    "core/notifications/digest.txt",
                    {"messages": messages, "site": settings.LIANFANG_SITE_URL},
                ).strip(),
            )
            for user_id, messages in by_user.items()
        ]
    if not deliveries:
        return 0
    with transaction.atomic():
        deliveries = Delivery.objects.bulk_create(deliveries)
        Notification.objects.filter(pk__in=[m.pk for m in unread]).update(digested_at=now)
        transaction.on_commit(partial(_enqueue, [d.pk for d in deliveries]))
    return len(deliveries)


# Reminders -----------------------------------------------------------------------------------

REMINDERS: dict[str, Callable] = {}


def reminder(name: str):
    """Register `fn(today) -> int` (messages sent) as a daily reminder run by
    `lianfang notifications remind` (an app's overdue rotations, overdue reviews)."""

    def decorator(fn):
        REMINDERS[name] = fn
        return fn

    return decorator


def remind(today: dt.date | None = None) -> dict[str, int]:
    from django.apps import apps

    apps.get_app_configs()
    today = today or timezone.localdate()
    return {name: fn(today) for name, fn in sorted(REMINDERS.items())}
