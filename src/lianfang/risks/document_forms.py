"""Forms of the printable documents and the register exchange pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import BootstrapFormMixin
from lianfang.core.spreadsheets.pages import SpreadsheetField
from lianfang.org import selectors as org_selectors
from lianfang.org.forms import FilterForm

REGISTER_MAX_MB = 20


class PositioningFilterForm(FilterForm):
    def setup(self):
        organisations = org_selectors.organisations_visible_to(self.user)
        if organisations[:2].count() > 1:
            self._org_field(organisations)
        self.fields["q"].widget.attrs["placeholder"] = _("姓名或工号")
        self.order_fields(["organisation", "q"])


class RegisterImportForm(BootstrapFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(None, label=_("导入到单位"))
    file = SpreadsheetField(
        label=_("风险点登记表（.xlsx 或 .xls）"),
        help_text=_("请使用导出的风险点登记表填写，第 1 行为表头。"),
        max_mb=REGISTER_MAX_MB,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = org_selectors.organisations_manageable_by(user).order_by("path")
        self.fields["organisation"].queryset = orgs
        self.fields["organisation"].label_from_instance = lambda o: "\u3000" * o.depth + o.name
        if orgs[:2].count() == 1:  # the one the user manages: preset
            self.fields["organisation"].initial = orgs.first()
