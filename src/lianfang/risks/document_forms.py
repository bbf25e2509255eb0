"""Forms of the printable documents and the register exchange pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import BootstrapFormMixin
from lianfang.org import selectors as org_selectors
from lianfang.org.forms import FilterForm

REGISTER_MAX_BYTES = 20 * 1024 * 1024


class PositioningFilterForm(FilterForm):
    def setup(self):
        organisations = org_selectors.organisations_visible_to(self.user)
        if organisations[:2].count() > 1:
            self._org_field(organisations)
        self.fields["q"].widget.attrs["placeholder"] = _("姓名或工号")
        self.order_fields(["organisation", "q"])


class RegisterImportForm(BootstrapFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(None, label=_("导入到单位"))
    file = forms.FileField(
        label=_("风险点登记表（.xlsx）"),
        help_text=_("请使用导出的风险点登记表填写，第 1 行为表头。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = org_selectors.organisations_manageable_by(user).order_by("path")
        self.fields["organisation"].queryset = orgs
        self.fields["organisation"].label_from_instance = lambda o: "\u3000" * o.depth + o.name
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("只能导入 Excel .xlsx 文件（旧版 .xls 请另存为 .xlsx）。"))
        if upload.size > REGISTER_MAX_BYTES:
            raise ValidationError(_("文件不能超过 20 MB。"))
        return upload
