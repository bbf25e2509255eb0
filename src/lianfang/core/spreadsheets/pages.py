"""The page every Excel import shares (staff roster, power catalogue, risk register …):
upload a workbook with the form's other fields, and get either the counts or every row's
error; nothing is written unless every row passes."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .reading import SheetFileError

EXTENSIONS = (".xlsx", ".xls")
ACCEPT = ",".join(
    (
        *EXTENSIONS,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
    )
)


class SpreadsheetField(forms.FileField):
    """An uploaded workbook: an .xlsx, or an old .xls (read the same way), of at most
    `max_mb` megabytes."""

    def __init__(self, *, max_mb: int, **kwargs):
        super().__init__(**kwargs)
        self.max_mb = max_mb
        self.widget.attrs["accept"] = ACCEPT

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and not upload.name.lower().endswith(EXTENSIONS):
            raise ValidationError(_("只能导入 Excel 文件（.xlsx 或旧版 .xls）。"))
        if upload and upload.size > self.max_mb * 1024 * 1024:
            raise ValidationError(_("文件不能超过 %(n)s MB。") % {"n": self.max_mb})
        return upload


def import_page(
    request,
    *,
    form_class,
    importer,
    template: str,
    success,
    file_error: type[Exception] = SheetFileError,
    context: dict | None = None,
):
    """Run an import page.

    `form_class(data, files, user=)` has a `file` field (a SpreadsheetField) and whatever
    else the import needs (the organisation to import into …). `importer(actor=, **fields)`
    is called with the form's cleaned fields and returns an ImportResult; it raises
    `file_error` when the file cannot be read at all. `success(result)` is the message shown
    after a successful import. The template gets the form, the result, the file error and
    the cleaned fields but the file (e.g. `organisation`). A refused upload answers 400.
    """
    user = request.user
    form = form_class(request.POST or None, request.FILES or None, user=user)
    result = error = None
    fields = {}
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        try:
            result = importer(actor=user, **form.cleaned_data)
        except file_error as exc:
            error = str(exc)
        if result is not None and result.ok:
            messages.success(request, success(result))
    refused = bool(error or (result is not None and not result.ok))
    invalid = request.method == "POST" and not form.is_valid()
    return render(
        request,
        template,
        {
            **fields,
            "form": form,
            "result": result,
            "file_error": error,
            **(context or {}),
        },
        status=400 if refused or invalid else 200,
    )
