"""标准库 pages: the packs, and importing one into an organisation of the user's subtree."""

from django import forms
from django.contrib import messages
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core.access import role_required
from lianfang.core.roles import Role
from lianfang.libraries import LibraryError, list_packs, load_pack
from lianfang.org.models import Organisation
from lianfang.org.power_selectors import powers_manageable_by
from lianfang.org.selectors import organisations_manageable_by

from . import library_import as importer

ROLES = (Role.INTEGRITY, Role.ADMIN)


class LibraryImportForm(forms.Form):
    organisation = forms.ModelChoiceField(
        Organisation.objects.none(),
        label=gettext_lazy("导入到单位"),
        error_messages={"invalid_choice": gettext_lazy("只能导入到您管理范围内的单位。")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = organisations_manageable_by(user).order_by("path")
        field.label_from_instance = lambda org: "\u3000" * org.depth + org.name
        field.widget.attrs["class"] = "form-select form-select-sm"


def _register_url() -> str:
    try:
        return reverse("risks:register") + "?source=library"
    except NoReverseMatch:
        return ""


def _packs(user, forms_by_key=None):
    """The packs, each with its import form and the organisations it is already in."""
    try:
        infos = list_packs(importer.PACKS_DIRECTORY)
    except LibraryError:
        infos = []
    packs = []
    for info in infos:
        form = (forms_by_key or {}).get(info.key) or LibraryImportForm(user=user, prefix=info.key)
        imported = (
            powers_manageable_by(user)
            .filter(library_urn__startswith=f"urn:lianfang:{info.sector}:power:")
            .values("organisation_id", "organisation__name")
            .annotate(version=Max("library_version"), powers=Count("id"))
            .order_by("organisation__path")
        )
        packs.append({"info": info, "form": form, "imported": list(imported)})
    return packs


def _report_rows(report):
    return [
        (_("权力事项"), report.powers),
        (_("流程环节"), report.steps),
        (_("风险点"), report.risk_points),
        (_("防控措施"), report.measures),
    ]


def _render(request, *, forms_by_key=None, report=None, errors=None, pack_key=None, status=200):
    user = request.user
    return render(
        request,
        "risks/library_list.html",
        {
            "packs": _packs(user, forms_by_key),
            "report": report,
            "report_rows": _report_rows(report) if report else [],
            "errors": errors or [],
            "pack_key": pack_key,
            "register_url": _register_url(),
        },
        status=status,
    )


@role_required(*ROLES)
def library_list(request):
    return _render(request)


@role_required(*ROLES)
def library_import(request, key):
    if request.method != "POST":
        return redirect("risks:library_list")
    try:
        pack = load_pack(key, importer.PACKS_DIRECTORY)
    except LibraryError as exc:
        raise Http404(str(exc)) from exc
    form = LibraryImportForm(request.POST, user=request.user, prefix=key)
    if not form.is_valid():
        return _render(request, forms_by_key={key: form}, pack_key=key, status=400)
    organisation = form.cleaned_data["organisation"]
    try:
        report = importer.library_import(
            actor=request.user, organisation=organisation, pack_key=key
        )
    except LibraryError as exc:
        return _render(
            request,
            forms_by_key={key: form},
            errors=[str(exc), *exc.errors],
            pack_key=key,
            status=400,
        )
    messages.success(
        request,
        _("已将“%(pack)s”导入“%(org)s”。") % {"pack": pack.name.zh, "org": organisation.name},
    )
    return _render(request, forms_by_key={key: form}, report=report, pack_key=key)
