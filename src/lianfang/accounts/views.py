import base64
import io
from base64 import b32encode
from urllib.parse import urlencode

import django_otp
import qrcode
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.pil import PilImage

from lianfang.core.access import public, role_required
from lianfang.core.exports import record_export
from lianfang.core.pages import NOT_SAVED, form_page, save_form
from lianfang.core.roles import Role
from lianfang.core.spreadsheets import XLSX_CONTENT_TYPE
from lianfang.core.tables import paginate

from . import handover, selectors, services
from .forms import (
    BulkAccountsForm,
    OTPTokenForm,
    PasswordChangeForm,
    PasswordResetForm,
    RoleGrantForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from .login import LoginView

login = public(LoginView.as_view())
logout = public(auth_views.LogoutView.as_view())
password_change = role_required(*Role.EVERYONE)(
    auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html",
        form_class=PasswordChangeForm,
        success_url="/",
    )
)


# --- two-factor authentication -------------------------------------------------------------


def _safe_next(request, default=None):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name, next_url):
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=PilImage, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@role_required(*Role.EVERYONE)
def otp_setup(request):
    """Bind an authenticator app: scan the QR code (or type the key), then enter a code."""
    user = request.user
    has_device = TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
    next_url = _safe_next(request)
    # Replacing a bound device needs this session to have passed TOTP, or a stolen password
    # alone could enrol the thief's phone.
    if has_device and not user.is_verified():
        return redirect(_with_next("accounts:otp_verify", request.get_full_path()))
    rebind = request.method == "POST" or request.GET.get("rebind") == "1"
    if has_device and not rebind:
        return render(request, "accounts/otp_setup.html", {"bound": True, "next": next_url})
    device = services.otp_device_start(user=user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.otp_device_confirm(user=user, device=device, token=form.cleaned_data["token"]):
            django_otp.login(request, device)
            messages.success(request, _("双因素认证已启用，今后登录时需输入身份验证器上的验证码。"))
            return redirect(next_url)
        form.add_error("token", _("验证码不正确或已过期，请等待新的验证码后重试。"))
    secret = b32encode(device.bin_key).decode()
    context = {
        "bound": has_device,
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": _grouped(secret),
        "next": next_url,
        "required": user.is_privileged and settings.REQUIRE_OTP,
    }
    return render(request, "accounts/otp_setup.html", context)


@role_required(*Role.EVERYONE)
def otp_verify(request):
    """After signing in: enter the current code from the bound authenticator."""
    user = request.user
    next_url = _safe_next(request)
    if user.is_verified():
        return redirect(next_url)
    if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return redirect(_with_next("accounts:otp_setup", next_url))
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = services.otp_wait_seconds(user=user)
        if wait:
            form.add_error(
                "token", _("尝试次数过多，请 %(seconds)s 秒后再试。") % {"seconds": wait}
            )
        else:
            device = services.otp_token_check(user=user, token=form.cleaned_data["token"])
            if device is not None:
                django_otp.login(request, device)
                return redirect(next_url)
            form.add_error("token", _("验证码不正确或已过期。"))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})


# --- users and roles -----------------------------------------------------------------------

USER_SORTS = {
    "username": "username",
    "display_name": "display_name",
    "organisation": ("organisation__path", "username"),
    "last_login": "last_login",
    "date_joined": "date_joined",
}


def _visible_user(request, pk):
    return get_object_or_404(selectors.users_for_detail(request.user), pk=pk)


# Who uses the account pages: the system administrator keeps the accounts, the security
# administrator (安全管理员) grants their roles (三员分立).
ACCOUNT_PAGES = (Role.ADMIN, Role.SECURITY)


@role_required(*ACCOUNT_PAGES)
def user_list(request):
    filters = UserFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.user_list(user=request.user, filters=data)
    table = paginate(request, qs, sorts=USER_SORTS, default="username")
    return render(
        request,
        "accounts/user_list.html",
        {
            "table": table,
            "filters": filters,
            "manages_accounts": request.user.has_any_role((Role.ADMIN,)),
        },
    )


def _user_url(user) -> str:
    return reverse("accounts:user_detail", args=[user.pk])


@role_required(Role.ADMIN)
def user_create(request):
    return form_page(
        request,
        UserCreateForm(request.POST or None, admin=request.user),
        save=lambda data: services.user_create(
            actor=request.user,
            username=data["username"],
            display_name=data["display_name"],
            email=data["email"],
            password=data["password1"],
            organisation=data["organisation"],
            person=data["person"],
        ),
        success=lambda user: _("已创建账号“%(name)s”，请为其授予角色。") % {"name": user},
        next_url=_user_url,
        template="accounts/user_form.html",
        creating=True,
    )


def _detail_context(request, target, grant_form):
    reach = selectors.grant_reach(request.user)
    grants = [
        {"grant": g, "revocable": reach.covers(g.organisation.path)}
        for g in selectors.user_grants(user=request.user, target=target)
    ]
    return {
        "target": target,
        "manages_accounts": request.user.has_any_role((Role.ADMIN,)),
        "grants_roles": bool(reach),
        "grants": grants,
        "grant_form": grant_form,
        "is_self": target.pk == request.user.pk,
        "otp_bound": TOTPDevice.objects.devices_for_user(target, confirmed=True).exists(),
    }


@role_required(*ACCOUNT_PAGES)
def user_detail(request, pk):
    target = _visible_user(request, pk)
    return render(
        request,
        "accounts/user_detail.html",
        _detail_context(request, target, RoleGrantForm(admin=request.user)),
    )


@role_required(Role.ADMIN)
def user_edit(request, pk):
    target = _visible_user(request, pk)
    person = getattr(target, "person", None)
    initial = {
        "display_name": target.display_name,
        "email": target.email,
        "organisation": target.organisation_id,
        "person": person.pk if person else None,
    }
    return form_page(
        request,
        UserEditForm(request.POST or None, admin=request.user, user=target, initial=initial),
        save=lambda data: services.user_update(
            actor=request.user,
            user=target,
            display_name=data["display_name"],
            email=data["email"],
            organisation=data["organisation"],
            person=data["person"],
        ),
        success=_("账号信息已保存。"),
        next_url=_user_url(target),
        template="accounts/user_form.html",
        target=target,
        creating=False,
    )


@role_required(Role.ADMIN)
def user_password_reset(request, pk):
    target = _visible_user(request, pk)
    return form_page(
        request,
        PasswordResetForm(request.POST or None),
        save=lambda data: services.user_password_reset(
            actor=request.user, user=target, password=data["password1"]
        ),
        success=_("已重置“%(name)s”的密码。") % {"name": target},
        next_url=_user_url(target),
        template="accounts/password_reset.html",
        target=target,
    )


def _account_action(service, success):
    """The view of a button on an account's page, named as its service: a POST that runs
    `service(actor=, user=)` and returns to the page with `success` (naming the account as
    %(name)s) or the service's refusal."""

    def view(request, pk):
        target = _visible_user(request, pk)
        return _run(
            request,
            target,
            lambda: service(actor=request.user, user=target),
            success % {"name": target},
        )

    view.__name__ = view.__qualname__ = service.__name__
    return role_required(Role.ADMIN)(require_POST(view))


def _run(request, target, action, success):
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("accounts:user_detail", pk=target.pk)


user_deactivate = _account_action(services.user_deactivate, gettext_lazy("已停用账号“%(name)s”。"))
user_activate = _account_action(services.user_activate, gettext_lazy("已启用账号“%(name)s”。"))
user_otp_reset = _account_action(
    services.user_otp_reset,
    gettext_lazy("已解绑“%(name)s”的身份验证器，其下次登录时需重新绑定。"),
)


@role_required(Role.SECURITY)
@require_POST
def role_grant(request, pk):
    target = _visible_user(request, pk)
    form = RoleGrantForm(request.POST, admin=request.user)
    granted = save_form(
        request,
        form,
        lambda data: services.role_grant(
            actor=request.user,
            user=target,
            role=data["role"],
            organisation=data["organisation"],
            department=data["department"],
            subordinates_writable=data["subordinates_writable"],
        ),
        _("已授予角色。"),
    )
    if granted is not NOT_SAVED:
        return redirect(_user_url(target))
    return render(
        request, "accounts/user_detail.html", _detail_context(request, target, form), status=400
    )


@role_required(Role.SECURITY)
@require_POST
def role_revoke(request, pk, grant_pk):
    target = _visible_user(request, pk)
    grant = get_object_or_404(
        selectors.role_grants_visible_to(request.user).select_related("organisation", "user"),
        pk=grant_pk,
        user=target,
    )
    return _run(
        request,
        target,
        lambda: services.role_revoke(actor=request.user, grant=grant),
        _("已撤销角色“%(role)s”。") % {"role": grant.get_role_display()},
    )


# --- accounts at scale ---------------------------------------------------------------------


def _bulk_message(result) -> str:
    parts = []
    if result.created:
        parts.append(_("已创建 %(count)s 个账号。") % {"count": len(result.created)})
    if result.skipped:
        names = "、".join(p.name for p in result.skipped[:20])
        if len(result.skipped) > 20:
            names += "……"
        parts.append(
            _("%(count)s 人已有账号，已跳过：%(names)s。")
            % {"count": len(result.skipped), "names": names}
        )
    if not result.created:
        parts.append(_("没有创建新账号。"))
    return "".join(parts)


@role_required(Role.ADMIN)
def bulk_create(request):
    """Create accounts for a department's people or people picked, then show their
    hand-over list; below the form, the actor's lists still open (older ones are purged
    here and at every creation)."""
    services.handover_purge()
    data = request.POST if request.method == "POST" else None  # an empty POST is bound too
    form = BulkAccountsForm(data, admin=request.user)
    result = save_form(
        request,
        form,
        lambda data: services.accounts_bulk_create(
            actor=request.user, people=form.chosen_people(), title=form.title()
        ),
        _bulk_message,
    )
    if result is not NOT_SAVED:
        if result.handover is not None:
            return redirect("accounts:handover_detail", pk=result.handover.pk)
        return redirect("accounts:bulk_create")
    return render(
        request,
        "accounts/bulk_create.html",
        {
            "form": form,
            "handovers": selectors.handovers_of(request.user),
            "bulk_max": services.BULK_MAX,
        },
        status=400 if form.is_bound else 200,
    )


def _handover(request, pk):
    sheet = get_object_or_404(selectors.handovers_of(request.user), pk=pk)
    try:
        return sheet, services.handover_rows(user=request.user, sheet=sheet)
    except ValidationError as exc:  # expired since the list was read: purged soon
        raise Http404(exc.messages[0]) from exc


@role_required(Role.ADMIN)
def handover_detail(request, pk):
    """The hand-over list, to print (the print style leaves the menus out) or download."""
    sheet, rows = _handover(request, pk)
    return render(request, "accounts/handover.html", {"sheet": sheet, "rows": rows})


@role_required(Role.ADMIN)
def handover_download(request, pk):
    """The hand-over list as an Excel workbook; the download is recorded (who, how many
    accounts), never its passwords."""
    sheet, rows = _handover(request, pk)
    content = handover.workbook(sheet, rows)
    record_export(
        actor=request.user,
        action="accounts.handover.export",
        what=str(_("初始密码交接单")),
        rows=len(rows),
        organisation=sheet.organisation,
        handover=sheet.pk,
    )
    stamp = timezone.localtime(sheet.created_at).strftime("%Y%m%d-%H%M")
    response = HttpResponse(
        content,
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="handover-{stamp}.xlsx"'
    return response
