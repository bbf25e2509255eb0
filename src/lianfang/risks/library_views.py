"""标准库 pages: the packs, and importing one into an organisation of the user's subtree.

The page offers the packs that suit the kinds of organisation the user manages (a hospital
sees the hospital pack, a bureau the bureau packs: sectors.py); "全部标准库" (?all=1) shows
every pack, and the platform administrator, who manages none, sees them all to read."""

from django import forms
from django.contrib import messages
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import punctuation
from lianfang.core.access import role_required
from lianfang.core.roles import PLATFORM_ADMIN, Role
from lianfang.libraries import LibraryError, list_packs, load_pack
from lianfang.org.models import Organisation
from lianfang.org.power_selectors import powers_manageable_by
from lianfang.org.selectors import organisations_manageable_by

from . import library_import as importer
from . import sectors

ROLES = (Role.INTEGRITY, Role.ADMIN)


class LibraryImportForm(forms.Form):
    organisation = forms.ModelChoiceField(
        Organisation.objects.none(),
        label=gettext_lazy("导入到单位"),
        error_messages={"invalid_choice": gettext_lazy("只能导入到您管理范围内的单位。")},
    )

    def __init__(self, *args, user, kinds=None, **kwargs):
        """`kinds`: offer only organisations of these kinds (the pack's), else all."""
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        organisations = organisations_manageable_by(user).order_by("path")
        if kinds is not None:
            organisations = organisations.filter(kind__in=kinds)
        field.queryset = organisations
        field.label_from_instance = lambda org: "\u3000" * org.depth + org.name
        field.widget.attrs["class"] = "form-select form-select-sm"


def _register_url() -> str:
    try:
        return reverse("risks:register") + "?source=library"
    except NoReverseMatch:
        return ""


def edition(version: int | None, released) -> str:
    """What users call a version of a pack: its year ("2026 版"), else its number."""
    if released is not None:
        return _("%(year)s 版") % {"year": released.year}
    return _("第 %(version)s 版") % {"version": version}


def _packs(user, forms_by_key=None, show_all=False, shown=None):
    """The packs that suit the organisations the user manages (all of them with `show_all`,
    or for a user who manages none; and the pack `shown`, just imported), each with its
    import form and the organisations it is already in; and the number of packs left out."""
    try:
        infos = list_packs(importer.PACKS_DIRECTORY)
    except LibraryError:
        infos = []
    kinds = set(organisations_manageable_by(user).values_list("kind", flat=True).distinct())
    suited = any(sectors.pack_suits(info.sector, kinds) for info in infos)
    show_all = show_all or not suited  # no pack for these kinds (or none managed): all
    packs, hidden = [], 0
    for info in infos:
        suits = sectors.pack_kinds(info.sector)
        if not show_all and info.key != shown and not sectors.pack_suits(info.sector, kinds):
            hidden += 1
            continue
        form = (forms_by_key or {}).get(info.key) or LibraryImportForm(
            user=user, prefix=info.key, kinds=None if show_all else suits
        )
        imported = list(
            powers_manageable_by(user)
            .filter(library_urn__startswith=f"urn:lianfang:{info.sector}:power:")
            .values("organisation_id", "organisation__name")
            .annotate(version=Max("library_version"), powers=Count("id"))
            .order_by("organisation__path")
        )
        for row in imported:
            row["current"] = row["version"] == info.version
        packs.append(
            {
                "info": info,
                "form": form,
                "imported": imported,
                "edition": edition(info.version, info.released),
                # 其他 takes every pack: not worth naming
                "for": punctuation.listed(
                    Organisation.Kind(kind).label
                    for kind in suits
                    if kind != Organisation.Kind.OTHER
                ),
            }
        )
    return packs, hidden


def _report_rows(report):
    return [
        (_("权力事项"), report.powers),
        (_("流程环节"), report.steps),
        (_("风险点"), report.risk_points),
        (_("防控措施"), report.measures),
    ]


def _render(
    request,
    *,
    forms_by_key=None,
    report=None,
    report_edition="",
    errors=None,
    pack_key=None,
    status=200,
):
    user = request.user
    show_all = request.GET.get("all") == "1"
    packs, hidden = _packs(user, forms_by_key, show_all, shown=pack_key)
    may_import = user.has_any_role(ROLES)
    return render(
        request,
        "risks/library_list.html",
        {
            "packs": packs,
            "hidden": hidden,
            "show_all": show_all,
            "may_import": may_import,
            "report_edition": report_edition,
            "report": report,
            "report_rows": _report_rows(report) if report else [],
            "errors": errors or [],
            "pack_key": pack_key,
            "register_url": _register_url() if may_import else "",
        },
        status=status,
    )


@role_required(*ROLES, PLATFORM_ADMIN)
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
    return _render(
        request,
        forms_by_key={key: form},
        report=report,
        report_edition=edition(pack.version, pack.released),
        pack_key=key,
    )
