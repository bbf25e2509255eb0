"""Delegation while on leave (代理): from `start` to `end` (dates, both included) the tasks
that become ready for the delegator go to the delegate (`flows.handlers.resolve`), each task
keeping both. One delegator has at most one delegation in force on any day; ending one early
(`delegation_end`) keeps the row, with who ended it and why. Both writes are audited."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import audit
from lianfang.core.roles import Role
from lianfang.core.scoping import register, write_reach

REASON_MAX = 200
LONGEST = 366  # days: a delegation is for a leave, not for ever


class DelegationQuerySet(models.QuerySet):
    def in_force(self, on: dt.date | None = None):
        """Delegations in force on `on` (today by default): begun, not past their end, not
        ended early."""
        on = on or timezone.localdate()
        return self.filter(start__lte=on, end__gte=on, ended_at__isnull=True)


class Delegation(models.Model):
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=gettext_lazy("单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("委托人"),
        on_delete=models.PROTECT,
        related_name="delegations_given",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("代理人"),
        on_delete=models.PROTECT,
        related_name="delegations_taken",
    )
    start = models.DateField(gettext_lazy("开始日期"))
    end = models.DateField(gettext_lazy("结束日期"))
    reason = models.CharField(gettext_lazy("事由"), max_length=REASON_MAX)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("设置人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("设置时间"), auto_now_add=True)
    ended_at = models.DateTimeField(gettext_lazy("提前结束时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("结束人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    end_reason = models.CharField(gettext_lazy("结束原因"), max_length=REASON_MAX, blank=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["delegator", "start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="flows_delegation_end_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(delegator=models.F("delegate")), name="flows_delegation_not_self"
            ),
        ]
        verbose_name = gettext_lazy("代理")
        verbose_name_plural = gettext_lazy("代理")

    def __str__(self):
        return f"{self.delegator} → {self.delegate} ({self.start}–{self.end})"


def delegations_in_force(user_ids, on: dt.date) -> dict[int, Delegation]:
    """{delegator's user id: the delegation in force on `on`} for those of `user_ids` who
    have one. One query."""
    if not user_ids:
        return {}
    rows = Delegation.objects.in_force(on).filter(delegator_id__in=set(user_ids))
    return {d.delegator_id: d for d in rows.order_by("start", "id")}


def _state(delegation: Delegation) -> dict:
    return {
        "delegator": delegation.delegator_id,
        "delegate": delegation.delegate_id,
        "start": delegation.start,
        "end": delegation.end,
        "reason": delegation.reason,
    }


def may_manage(actor, organisation, delegator) -> bool:
    """The delegator sets their own; an administrator or the integrity office of the
    organisation (or of one above it with 下级单位可写) sets anyone's there."""
    if getattr(actor, "pk", None) is not None and actor.pk == delegator.pk:
        return True
    grants = getattr(actor, "active_grants", None) or ()
    return write_reach(grants, {Role.ADMIN, Role.INTEGRITY}).covers(organisation.path)


def _member_of(user, organisation) -> bool:
    """Whether the account belongs to the organisation: its node, or a grant there."""
    if user.organisation_id == organisation.pk:
        return True
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    if person is not None and person.organisation_id == organisation.pk:
        return True
    return user.role_grants.filter(organisation=organisation).exists()


@transaction.atomic
def delegation_create(
    *, actor, organisation, delegator, delegate, start: dt.date, end: dt.date, reason: str
) -> Delegation:
    """Delegate `delegator`'s tasks to `delegate` from `start` to `end` (both included).
    Refused (ValidationError) for oneself, an inactive or outside account, a period that
    ends before it starts, lasts over a year, or overlaps another of the delegator's."""
    if not may_manage(actor, organisation, delegator):
        raise PermissionDenied
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("请填写代理事由。")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("代理事由不能超过 %(n)s 个字。") % {"n": REASON_MAX}
    if delegate.pk == delegator.pk:
        errors["delegate"] = _("代理人不能是委托人本人。")
    elif not delegate.is_active or not _member_of(delegate, organisation):
        errors["delegate"] = _("代理人须为本单位在用账号。")
    if not delegator.is_active or not _member_of(delegator, organisation):
        errors["delegator"] = _("委托人须为本单位在用账号。")
    if start is None or end is None:
        errors["end"] = _("请填写代理期限。")
    elif end < start:
        errors["end"] = _("结束日期不能早于开始日期。")
    elif (end - start).days >= LONGEST:
        errors["end"] = _("代理期限不能超过一年。")
    if errors:
        raise ValidationError(errors)
    # Lock the delegator's account so two requests cannot both find no overlap.
    # (by the user model: `delegator` may be a request's lazy user)
    get_user_model().objects.select_for_update().filter(pk=delegator.pk).first()
    overlap = (
        Delegation.objects.filter(delegator=delegator, ended_at__isnull=True)
        .filter(start__lte=end, end__gte=start)
        .first()
    )
    if overlap is not None:
        raise ValidationError(
            {
                "start": _("委托人在 %(start)s 至 %(end)s 已有代理，期限不能重叠。")
                % {"start": overlap.start, "end": overlap.end}
            }
        )
    delegation = Delegation.objects.create(
        organisation=organisation,
        delegator=delegator,
        delegate=delegate,
        start=start,
        end=end,
        reason=reason,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="flow_delegation.create",
        obj=delegation,
        after=_state(delegation),
        organisation=organisation,
    )
    return delegation


@transaction.atomic
def delegation_end(*, actor, delegation: Delegation, reason: str) -> Delegation:
    """End a delegation now (before its end date), with a reason. Tasks already given to the
    delegate stay theirs; new ones go to the delegator again."""
    delegation = (
        Delegation.objects.select_for_update()
        .select_related("organisation", "delegator")
        .get(pk=delegation.pk)
    )
    if not may_manage(actor, delegation.organisation, delegation.delegator):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写结束原因。")})
    if delegation.ended_at is not None:
        raise ValidationError(_("该代理已结束。"))
    delegation.ended_at, delegation.ended_by = timezone.now(), actor
    delegation.end_reason = reason[:REASON_MAX]
    delegation.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit.record(
        actor=actor,
        action="flow_delegation.end",
        obj=delegation,
        before=_state(delegation),
        after={"ended_at": delegation.ended_at, "reason": delegation.end_reason},
        organisation=delegation.organisation,
    )
    return delegation


# Reads ------------------------------------------------------------------------------------------

# Roles that see (and keep) the delegations of their organisations' people.
KEEPERS = frozenset({Role.ADMIN, Role.INTEGRITY})


def keeps_delegations(user) -> bool:
    """Whether the account holds a role that lists everyone's delegations in its scope."""
    return any(g.role in KEEPERS for g in (getattr(user, "active_grants", None) or ()))


@register(Delegation)
def delegations_visible_to(user) -> models.QuerySet[Delegation]:
    """One's own delegations (given or taken); for administrators and the integrity office,
    every delegation of the organisations below their grants of those roles."""
    if not getattr(user, "pk", None) or not getattr(user, "is_active", False):
        return Delegation.objects.none()
    q = Q(delegator_id=user.pk) | Q(delegate_id=user.pk)
    for grant in getattr(user, "active_grants", None) or ():
        if grant.role in KEEPERS:
            q |= Q(organisation__path__startswith=grant.organisation.path)
    return Delegation.objects.filter(q)
