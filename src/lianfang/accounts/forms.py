from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import ServiceErrorsMixin, style_fields
from lianfang.core.roles import Role
from lianfang.org.forms import OrganisationChoiceField, person_label, person_select

from . import services
from .selectors import (
    departments_administered_by,
    departments_grantable_by,
    organisations_administered_by,
    organisations_grantable_by,
    people_linkable_by,
)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。"),
        "inactive": _("该账号已停用，请联系系统管理员。"),
    }


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """The user's own new password: not the one they have (an initial password must really
    be replaced), saved by `services.user_password_change`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)

    def clean(self):
        data = super().clean()
        password = data.get("new_password2")
        if password and "new_password2" not in self.errors and self.user.check_password(password):
            self.add_error("new_password2", _("新密码不能与当前密码相同。"))
        return data

    def save(self, commit=True):
        return services.user_password_change(
            user=self.user, password=self.cleaned_data["new_password1"]
        )


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label=_("验证码"),
        max_length=8,
        validators=[RegexValidator(r"^\d{6,8}$", _("请输入身份验证器上显示的 6 位数字。"))],
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "class": "form-control form-control-lg lf-otp-input",
                "placeholder": "000000",
            }
        ),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        org = obj.organisation
        return f"{org.short_name or org.name} · {obj.name}"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


OUTSIDE_SUBTREE = _("只能在您管理的单位范围内操作，所选单位不在您的管理范围内。")


def _organisation_field(label, required_message):
    """A choice among the organisations the administrator administers (the form sets them)."""
    return OrganisationChoiceField(
        label=label,
        queryset=None,
        error_messages={"invalid_choice": OUTSIDE_SUBTREE, "required": required_message},
    )


class _PasswordPair(ServiceErrorsMixin, forms.Form):
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不能全为数字，不能过于常见或与用户名相似。"),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class UserProfileFields(ServiceErrorsMixin, forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    organisation = _organisation_field(_("所属单位"), _("请选择所属单位。"))
    person = PersonChoiceField(
        label=_("关联人员"),
        queryset=None,
        required=False,
        empty_label=_("（不关联）"),
        help_text=_("关联后，该账号按人员所在科室和岗位看到自己的数据。"),
        error_messages={"invalid_choice": _("所选人员不在您的管理范围内，或已关联其他账号。")},
        widget=person_select(unlinked="1"),
    )

    def __init__(self, *args, admin, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_administered_by(admin)
        self.fields["person"].queryset = people_linkable_by(admin, current=user)
        style_fields(self)


class UserCreateForm(UserProfileFields, _PasswordPair):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        validators=[
            RegexValidator(r"^[\w.@+-]+$", _("用户名只能包含字母、数字和 @ . + - _ 字符。"))
        ],
    )
    field_order = ["username", "display_name", "email", "organisation", "person"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("初始密码")
        self.order_fields(self.field_order)


class UserEditForm(UserProfileFields):
    pass


class PasswordResetForm(_PasswordPair):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("新密码")
        style_fields(self)


class RoleGrantForm(ServiceErrorsMixin, forms.Form):
    # Nothing chosen in advance: a careless click must not make an administrator.
    role = forms.ChoiceField(
        label=_("角色"),
        choices=[("", _("（请选择角色）")), *Role.choices],
        error_messages={"required": _("请选择要授予的角色。")},
    )
    organisation = _organisation_field(_("授权单位"), _("请选择授权单位。"))
    department = DepartmentChoiceField(
        label=_("科室"),
        queryset=None,
        required=False,
        empty_label=_("（无）"),
        help_text=_("授予部门负责人时必选；其他角色不需要。"),
        error_messages={"invalid_choice": _("所选科室不在您的管理范围内。")},
    )
    subordinates_writable = forms.BooleanField(
        label=_("下级单位可写"),
        required=False,
        help_text=_(
            "仅系统管理员、纪检监察和安全管理员适用。不勾选时只能修改授权单位本身，下级单位只读。"
        ),
    )

    def __init__(self, *args, admin, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_grantable_by(admin)
        self.fields["department"].queryset = departments_grantable_by(admin)
        style_fields(self)


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    role = forms.ChoiceField(
        label=_("角色"), required=False, choices=[("", _("全部角色")), *Role.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), ("active", _("在用")), ("inactive", _("已停用"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("用户名、姓名或工号")
        style_fields(self)


class BulkAccountsForm(ServiceErrorsMixin, forms.Form):
    """Whom to give accounts: everyone in post in a department, and/or people picked by
    name, 工号 or pinyin initials (those without an account; the service skips the others)."""

    department = DepartmentChoiceField(
        label=_("科室（全体在职人员）"),
        queryset=None,
        required=False,
        empty_label=_("（不按科室）"),
        error_messages={"invalid_choice": _("所选科室不在您的管理范围内。")},
    )
    people = forms.ModelMultipleChoiceField(
        label=_("人员"),
        queryset=None,
        required=False,
        help_text=_(
            "可按姓名、工号或姓名拼音首字母（如“张三”输入 zs）查找；只列出尚无账号的人员。"
        ),
        error_messages={
            "invalid_choice": _("所选人员不在您的管理范围内，或已有账号。"),
            "invalid_pk_value": _("所选人员无效，请重新选择。"),
        },
        widget=person_select(multiple=True, unlinked="1"),
    )

    def __init__(self, *args, admin, **kwargs):
        super().__init__(*args, **kwargs)
        self.admin = admin
        self.fields["department"].queryset = departments_administered_by(admin).order_by(
            "organisation__path", "order", "code"
        )
        self.fields["people"].queryset = (
            people_linkable_by(admin).active().order_by("organisation__path", "staff_no")
        )
        self.fields["people"].label_from_instance = person_label
        style_fields(self)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("department") and not data.get("people"):
            raise forms.ValidationError(_("请选择一个科室，或至少选择一名人员。"))
        return data

    def chosen_people(self) -> list:
        """The people asked for: the department's people in post, and those picked."""
        data = self.cleaned_data
        people = {p.pk: p for p in data.get("people") or ()}
        department = data.get("department")
        if department is not None:
            for person in department.people.filter(active=True):
                people.setdefault(person.pk, person)
        return list(people.values())

    def title(self) -> str:
        department = self.cleaned_data.get("department")
        picked = len(self.cleaned_data.get("people") or ())
        parts = [department.name] if department is not None else []
        if picked:
            parts.append(_("所选 %(count)s 人") % {"count": picked})
        return " + ".join(parts)
