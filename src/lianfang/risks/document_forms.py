"""Forms of the printable documents and the register exchange pages."""

from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import BootstrapFormMixin
from lianfang.core.spreadsheets.pages import SpreadsheetField
from lianfang.org import selectors as org_selectors
from lianfang.org.forms import FilterForm, ImportForm

REGISTER_MAX_MB = 20


class PositioningFilterForm(FilterForm):
    def setup(self):
        organisations = org_selectors.organisations_visible_to(self.user)
        if organisations[:2].count() > 1:
            self._org_field(organisations)
        self.fields["q"].widget.attrs["placeholder"] = _("姓名或工号")
        self.order_fields(["organisation", "q"])


class RegisterImportForm(BootstrapFormMixin, ImportForm):
    file = SpreadsheetField(
        label=_("风险点登记表（.xlsx 或 .xls）"),
        help_text=_("请使用导出的风险点登记表或空白模板填写，表头请勿修改。"),
        max_mb=REGISTER_MAX_MB,
    )
