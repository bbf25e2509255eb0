"""The inbox (通知), its settings page, and the deliveries on 系统维护 › 外发记录."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import notification_services as services
from .access import role_required
from .models import Delivery, Notification
from .notification_forms import DeliveryFilterForm, NotificationSettingsForm
from .notification_selectors import followable
from .notifications import KINDS
from .pages import form_page
from .roles import PLATFORM_ADMIN, Role
from .scoping import visible_to
from .tables import paginate

INBOX_SORTS = {"created": ("created_at", "id")}
DELIVERY_SORTS = {"created": ("created_at", "id"), "status": "status", "attempts": "attempts"}


def _subject(message: Notification) -> str:
    """The subject in the reader's language, from the kind's text and the stored values."""
    kind = KINDS.get(message.kind)
    if kind is None:
        return message.subject
    try:
        return (str(kind.subject) % message.context)[:200] if message.context else message.subject
    except (KeyError, TypeError, ValueError):
        return message.subject


@role_required(*Role.EVERYONE)
def inbox(request):
    queryset = visible_to(request.user, Notification)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    table = paginate(request, queryset, sorts=INBOX_SORTS, default="-created")
    rows = list(table.rows)
    open_ids = followable(request.user, rows)
    for message in rows:
        message.title = _subject(message)
        message.followable = message.pk in open_ids
        message.kind_label = KINDS[message.kind].label if message.kind in KINDS else message.kind
    return render(
        request,
        "core/notification_inbox.html",
        {"table": table, "rows": rows, "unread_only": unread_only},
    )


@role_required(*Role.EVERYONE)
def notification_open(request, pk):
    """Follow a message's link: marked read, then to its object if the reader may see it."""
    message = get_object_or_404(visible_to(request.user, Notification), pk=pk)
    services.notification_mark_read(user=request.user, notification=message)
    if message.pk in followable(request.user, [message]) and url_has_allowed_host_and_scheme(
        message.link, allowed_hosts={request.get_host()}
    ):
        return redirect(message.link)
    messages.info(request, _("该通知所涉及的内容您已无权查看或已不存在。"))
    return redirect("core:inbox")


@role_required(*Role.EVERYONE)
@require_POST
def notification_read(request, pk):
    message = get_object_or_404(visible_to(request.user, Notification), pk=pk)
    services.notification_mark_read(user=request.user, notification=message)
    return redirect(_back(request))


@role_required(*Role.EVERYONE)
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)s 条通知标记为已读。") % {"n": count})
    return redirect(_back(request))


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "core:inbox"


@role_required(*Role.EVERYONE)
def notification_settings(request):
    user = request.user
    form = NotificationSettingsForm(request.POST or None, user=user)
    return form_page(
        request,
        form,
        save=lambda data: services.notification_settings_save(
            actor=user, phone=data["phone"], digest=data["digest"], choices=form.choices()
        ),
        success=_("已保存通知设置。"),
        next_url="core:notification_settings",
        template="core/notification_settings.html",
    )


@role_required(PLATFORM_ADMIN, Role.ADMIN)
def delivery_list(request):
    filters = DeliveryFilterForm(request.GET or None)
    queryset = visible_to(request.user, Delivery).select_related("recipient", "organisation")
    if filters.is_valid():
        if filters.cleaned_data["status"]:
            queryset = queryset.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["channel"]:
            queryset = queryset.filter(channel=filters.cleaned_data["channel"])
    table = paginate(request, queryset, sorts=DELIVERY_SORTS, default="-created")
    return render(request, "core/delivery_list.html", {"table": table, "filters": filters})
