"""Reads of notifications: a person's inbox (theirs alone), whether its links may be
followed, and the deliveries administrators watch."""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from .models import Delivery, Notification
from .roles import Role, is_platform_admin
from .scoping import _REGISTRY, register, scope_of, visible_to


@register(Notification)
def notifications_visible_to(user) -> QuerySet[Notification]:
    """A message is read by its recipient alone, whatever their roles."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


@register(Delivery)
def deliveries_visible_to(user) -> QuerySet[Delivery]:
    """The platform administrator sees every delivery; an organisation's administrators
    those of the organisations in their subtrees."""
    if is_platform_admin(user):
        return Delivery.objects.all()
    if user is None or not getattr(user, "is_authenticated", False):
        return Delivery.objects.none()
    if not user.has_any_role((Role.ADMIN,)):
        return Delivery.objects.none()
    paths = tuple(g.organisation.path for g in user.active_grants if g.role == Role.ADMIN)
    from django.db.models import Q

    q = Q(pk__in=[])
    for path in paths:
        q |= Q(organisation__path__startswith=path)
    return Delivery.objects.filter(q)


def followable(user, messages) -> set[int]:
    """The ids of `messages` whose link the user may follow: a message about an object only
    while the user sees that object (its model's `visible_to`), one about none always. One
    query per kind of object among them."""
    scope_of(user)  # read once
    by_type = defaultdict(list)
    result = set()
    for m in messages:
        if not m.link:
            continue
        if m.content_type_id is None:
            result.add(m.pk)
        else:
            by_type[m.content_type_id].append(m)
    for type_id, group in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None or model not in _REGISTRY:
            continue
        seen = set(
            visible_to(user, model)
            .filter(pk__in={m.object_id for m in group})
            .values_list("pk", flat=True)
        )
        result.update(m.pk for m in group if m.object_id in seen)
    return result
