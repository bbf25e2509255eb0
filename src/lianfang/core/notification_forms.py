from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import BootstrapFormMixin, ServiceErrorsMixin
from .models import Delivery, NotificationChoice, NotificationSettings
from .notifications import kinds


class NotificationSettingsForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """A person's channels per kind of message (the inbox is always on), phone and digest."""

    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        help_text=_("用于短信通知。"),
    )
    digest = forms.BooleanField(
        label=_("每日摘要邮件"),
        required=False,
        help_text=_("每天一封邮件，汇总前一天的未读通知。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds()
        chosen = {c.kind: c for c in NotificationChoice.objects.filter(user=user)}
        own = NotificationSettings.objects.filter(user=user).first()
        if own is not None:
            self.fields["phone"].initial = own.phone
            self.fields["digest"].initial = own.digest
        self.rows = []
        for kind in self.kinds:
            choice = chosen.get(kind.code)
            for channel, label in (("email", _("邮件")), ("sms", _("短信"))):
                name = f"{channel}__{kind.code}"
                self.fields[name] = forms.BooleanField(
                    label=label,
                    required=False,
                    initial=getattr(choice, channel) if choice else getattr(kind, channel),
                )
            self.rows.append(
                {
                    "kind": kind,
                    "email": self[f"email__{kind.code}"],
                    "sms": self[f"sms__{kind.code}"],
                }
            )
        from .forms import style_fields

        style_fields(self)

    def choices(self) -> dict:
        data = self.cleaned_data
        return {
            k.code: {"email": data.get(f"email__{k.code}"), "sms": data.get(f"sms__{k.code}")}
            for k in self.kinds
        }


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), *Delivery.Status.choices],
    )
    channel = forms.ChoiceField(
        label=_("渠道"),
        required=False,
        choices=[("", _("全部")), *Delivery.Channel.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .forms import style_fields

        style_fields(self)
