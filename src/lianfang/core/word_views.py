"""系统维护 › Word 模板: an organisation's administrators replace the templates of the Word
forms (core.word) for their subtrees, or go back to the one from above.

The index lists the organisations the administrator manages and which template each form
uses there; an organisation's page takes an upload per form (checked by rendering it with the
form's sample) and removes its own. Other roles get 403; an organisation outside the
administrator's subtrees answers 404.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import selectors, word
from .access import role_required
from .documents import download_name
from .forms import BootstrapFormMixin
from .roles import Role
from .tables import paginate

UPLOAD_HINT = gettext_lazy(
    "建议先下载默认模板，在 Word 中调整版式、文字后保存为 .docx 再上传；{{ }} 与 {%tr %} 等标记"
    "请保留。上传时系统会用示例数据试生成一次，无法生成的模板不会启用。"
)


class TemplateUploadForm(BootstrapFormMixin, forms.Form):
    form = forms.ChoiceField(label=gettext_lazy("文书"))
    file = forms.FileField(
        label=gettext_lazy("模板文件（.docx）"),
        help_text=gettext_lazy("用 Word 或 WPS 保存为 .docx，不超过 2 MB。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].choices = [(f.code, f.label) for f in word.forms()]
        self.fields["file"].widget.attrs["accept"] = ".docx"


@role_required(Role.ADMIN)
def word_templates(request):
    table = paginate(
        request,
        selectors.organisations_administered_by(request.user),
        sorts={"path": "path"},
        default="path",
    )
    organisations = list(table.rows)
    in_force = word.templates_in_force(organisations)
    top = min((org.depth for org in organisations), default=0)
    rows = [
        {
            "organisation": org,
            "indent": org.depth - top,
            "forms": [(form, in_force[org.pk, form.code]) for form in word.forms()],
        }
        for org in organisations
    ]
    return render(
        request,
        "core/word_templates.html",
        {"table": table, "rows": rows, "forms": word.forms()},
    )


@role_required(Role.ADMIN)
def word_template_edit(request, org_pk):
    organisation = get_object_or_404(
        selectors.organisations_administered_by(request.user), pk=org_pk
    )
    form = TemplateUploadForm()
    if request.method == "POST":
        if request.POST.get("remove"):
            code = request.POST["remove"]
            if code not in {f.code for f in word.forms()}:
                raise Http404
            if word.template_remove(actor=request.user, code=code, organisation=organisation):
                messages.success(request, _("已恢复使用上级单位或系统默认的模板。"))
            return redirect("core:word_template_edit", org_pk=organisation.pk)
        form = TemplateUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                word.template_upload(
                    actor=request.user,
                    code=form.cleaned_data["form"],
                    organisation=organisation,
                    upload=form.cleaned_data["file"],
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                messages.success(request, _("模板已启用，本单位及下级单位的该文书将按此模板生成。"))
                return redirect("core:word_template_edit", org_pk=organisation.pk)
    in_force = word.templates_in_force([organisation])
    rows = [(f, in_force[organisation.pk, f.code]) for f in word.forms()]
    return render(
        request,
        "core/word_template_form.html",
        {"organisation": organisation, "rows": rows, "form": form, "upload_hint": UPLOAD_HINT},
        status=400 if form.errors else 200,
    )


@role_required(Role.ADMIN)
def word_template_default(request, code):
    """The default template of a form, to start a replacement from."""
    try:
        form = word.form_of(code)
    except Exception:  # noqa: BLE001 - an unknown code is a page that does not exist
        raise Http404 from None
    name = download_name(_("模板"), "template", parts=(form.label,), codes=(code,), ext="docx")
    return word.docx_response(form.default.read_bytes(), name)
