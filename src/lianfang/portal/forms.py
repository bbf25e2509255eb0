from django import forms
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import ServiceErrorsMixin, style_fields
from lianfang.core.roles import Role

from .columns import kind_choices
from .models import PortalColumn, PortalSite

ROLE_CHOICES = [(code, label) for code, label in Role.choices]


class SiteForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = PortalSite
        fields = ["enabled", "title", "intro"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "enabled": _("开启后，任何人无需登录即可访问本单位的公开门户。"),
            "title": _("留空则显示“单位名称 + 院务公开”。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class ColumnForm(ServiceErrorsMixin, forms.ModelForm):
    kind = forms.ChoiceField(label=_("类型"), choices=())
    editor_roles = forms.MultipleChoiceField(
        label=_("可编辑角色"),
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PortalColumn
        fields = ["code", "name", "kind", "order", "enabled", "editor_roles"]
        help_texts = {"code": _("网址中的栏目代码：小写字母、数字和连字符。")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()
        if self.instance.pk:
            del self.fields["code"]
        style_fields(self)

    def validate_unique(self):
        """The service checks the code (per organisation, which the form does not hold)."""
