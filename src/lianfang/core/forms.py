from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Column
from .services import COLUMN_FIELDS


class BootstrapFormMixin:
    """Bootstrap classes on widgets (is-invalid after validation), for includes/form.html."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class ColumnForm(BootstrapFormMixin, forms.ModelForm):
    """A column's settings; the view saves through services.column_update."""

    class Meta:
        model = Column
        fields = COLUMN_FIELDS
        help_texts = {
            "title_en": _("英文界面显示的标题，留空时显示中文标题。"),
            "visible": _("取消后该栏目不在菜单和门户中显示。"),
            "public": _("勾选后该栏目在对外公开门户中展示，无需登录即可查看。"),
            "order": _("数字越小越靠前。"),
        }
        error_messages = {"title": {"required": _("标题不能为空。")}}

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("标题不能为空。"))
        return title
