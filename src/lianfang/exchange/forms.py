from django import forms
from django.utils.translation import gettext_lazy as _

from lianfang.core.forms import BootstrapFormMixin, ServiceErrorsMixin

from .package import MAX_FILE_MB


class ImportForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    """The higher level's office imports one unit's exchange file."""

    service_errors_field = "file"

    unit = forms.ModelChoiceField(label=_("上报单位"), queryset=None, empty_label=None)
    file = forms.FileField(
        label=_("上报文件（.zip）"),
        help_text=_("下级单位在“上报”页导出的文件，不超过 %(mb)s MB。") % {"mb": MAX_FILE_MB},
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda o: f"{o.name}（{o.code}）"
        self.fields["file"].widget.attrs["accept"] = ".zip,application/zip"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_MB * 1024 * 1024:
            raise forms.ValidationError(_("上报文件超过 %(mb)s MB。") % {"mb": MAX_FILE_MB})
        return upload
