"""系统维护 › 单位参数: the organisations whose settings the user keeps, and one
organisation's settings (own value, or what it inherits and from where).

The keepers are the roles each setting declares (administrators by default, the integrity
office for the register's thresholds), on the organisation or above it. Other roles get 403;
an organisation outside the user's subtrees answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import orgsetting_services as services
from . import orgsettings
from .access import role_required
from .models import OrgSetting
from .orgsetting_forms import OrgSettingsForm, field_name
from .roles import Role
from .scoping import Reach
from .selectors import organisation_model
from .tables import paginate

KEEPERS = (Role.ADMIN, Role.INTEGRITY)


def organisations_kept_by(user):
    """The organisations of the subtrees where `user` keeps at least one setting."""
    roles = {role for s in orgsettings.declared() for role in services.owners_of(s)}
    grants = getattr(user, "active_grants", None) or ()
    paths = tuple({g.organisation.path for g in grants if g.role in roles})
    return organisation_model().objects.filter(Reach(subtrees=paths).q("path"))


@role_required(*KEEPERS)
def org_settings(request):
    table = paginate(
        request, organisations_kept_by(request.user), sorts={"path": "path"}, default="path"
    )
    organisations = list(table.rows)
    keys = [s.key for s in orgsettings.declared()]
    own = dict(
        OrgSetting.objects.filter(organisation__in=organisations, key__in=keys)
        .values_list("organisation")
        .annotate(n=Count("pk"))
    )
    top = min((org.depth for org in organisations), default=0)
    rows = [
        {"organisation": org, "indent": org.depth - top, "own": own.get(org.pk, 0)}
        for org in organisations
    ]
    return render(
        request,
        "core/org_settings.html",
        {"table": table, "rows": rows, "declared": len(keys)},
    )


@role_required(*KEEPERS)
def org_settings_edit(request, org_pk):
    organisation = get_object_or_404(organisations_kept_by(request.user), pk=org_pk)
    resolved = {key: state for (_pk, key), state in orgsettings.resolve([organisation]).items()}
    editable = [
        key for key, state in resolved.items()
        if services.keeps(request.user, state.setting, organisation)
    ]  # fmt: skip
    form = OrgSettingsForm(request.POST or None, resolved=resolved, editable=editable)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.org_settings_save(
                actor=request.user, organisation=organisation, changes=form.changes()
            )
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            if changed:
                messages.success(
                    request, _("已保存“%(name)s”的参数设置。") % {"name": organisation.name}
                )
            else:
                messages.info(request, _("参数设置没有变化。"))
            return redirect("core:org_settings_edit", org_pk=organisation.pk)
    groups = {}
    for key, state in resolved.items():
        groups.setdefault(str(state.setting.group), []).append(
            (form[field_name(key)], state, key in editable)
        )
    return render(
        request,
        "core/org_settings_form.html",
        {"form": form, "organisation": organisation, "groups": groups},
    )
