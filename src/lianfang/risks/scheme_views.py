"""Pages of grading schemes (定级方案) and the generic phrase list (空泛表述).

For the integrity office and administrators, within the organisations they manage: anything
else answers 404. The global generic phrases are the platform administrator's, who sees only
them. The rules live in services.py; these views parse, call and render.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.core.access import role_required
from lianfang.core.pages import NOT_SAVED, form_page, save_form
from lianfang.core.roles import PLATFORM_ADMIN, Role
from lianfang.core.tables import paginate
from lianfang.org.selectors import organisations_manageable_by

from . import grading, permissions, selectors, services
from .forms import GLOBAL, NewSchemeForm, PhraseFilterForm, PhraseForm, SchemeForm
from .models import LEVEL_SHORT, GradingScheme, Level, MonitorRole

MANAGERS = (Role.ADMIN, Role.INTEGRITY)
# The generic phrases: the managers keep their organisations', the platform administrator the
# global ones.
PHRASE_KEEPERS = (*MANAGERS, PLATFORM_ADMIN)


def _scheme_view(scheme: GradingScheme) -> dict:
    """What the scheme display shows: the grid highest likelihood first, matter kinds by
    level, criteria counts, monitors and review days per level."""
    size = scheme.matrix_size
    grid = scheme.grid or grading.default_grid(size)
    rows = [
        (
            likelihood,
            [
                {"level": int(grid[likelihood - 1][harm - 1]), "harm": harm}
                for harm in range(1, size + 1)
            ],
        )
        for likelihood in range(size, 0, -1)
    ]
    for _likelihood, cells in rows:
        for cell in cells:
            cell["short"] = LEVEL_SHORT[cell["level"]]
    matter = {level: [] for level in (1, 2, 3)}
    for key, level in scheme.matter_levels.items():
        if key in grading.MATTER_LABELS and int(level) in matter:
            matter[int(level)].append(grading.MATTER_LABELS[key])
    levels = []
    for level in (1, 2, 3):
        criteria = [m for m, lv in scheme.criteria_levels if int(lv) == level]
        levels.append(
            {
                "level": level,
                "label": Level(level).label,
                "short": LEVEL_SHORT[level],
                "matter": matter[level],
                "criteria": min(criteria) if criteria else None,
                "monitors": [
                    MonitorRole(role).label
                    for role in scheme.monitors.get(str(level), [])
                    if role in MonitorRole.values
                ],
                "review_days": scheme.review_days.get(str(level)),
            }
        )
    return {
        "scheme": scheme,
        "label": grading.label(scheme),
        "rows": rows,
        "harms": list(range(1, size + 1)),
        "levels": levels,
        "unmatched": [
            grading.MATTER_LABELS[key]
            for key in grading.matter_kinds_for(scheme.organisation)
            if key not in scheme.matter_levels
        ],
        "criteria": list(grading.CRITERIA.values()),
    }


@role_required(*MANAGERS)
def scheme_index(request):
    """The organisations the user manages, each with the scheme that grades it."""
    user = request.user
    table = paginate(
        request,
        organisations_manageable_by(user),
        sorts={"path": "path", "name": "name"},
        default="path",
    )
    organisations = list(table.page_obj.object_list)
    schemes = grading.schemes_for(organisations)
    rows = []
    for org in organisations:
        scheme = schemes[org.pk]
        rows.append(
            {
                "organisation": org,
                "scheme": scheme,
                "label": grading.label(scheme),
                "own": scheme.organisation_id == org.pk and scheme.pk is not None,
                "default": scheme.pk is None,
            }
        )
    table.page_obj.object_list = rows
    return render(request, "risks/scheme_index.html", {"table": table, "rows": rows})


@role_required(*MANAGERS)
def scheme_organisation(request, org_pk):
    """An organisation's scheme: the one in force (its own or inherited) and its own ones."""
    user = request.user
    org = get_object_or_404(organisations_manageable_by(user), pk=org_pk)
    active = grading.active_scheme(org)
    inherited_from = None
    if active.pk and active.organisation_id != org.pk:
        inherited_from = active.organisation
    own = list(selectors.organisation_schemes(org))
    return render(
        request,
        "risks/scheme_organisation.html",
        {
            "org": org,
            "view": _scheme_view(active),
            "inherited_from": inherited_from,
            "inherited_manageable": inherited_from is not None
            and organisations_manageable_by(user).filter(pk=inherited_from.pk).exists(),
            "own": own,
            # back to the default 3×3 matrix from another size or method of one's own
            "can_restore_3x3": active.pk is not None
            and active.organisation_id == org.pk
            and not (active.method == GradingScheme.Method.MATRIX and active.matrix_size == 3),
            "sizes": (3, 4, 5),
            "methods": GradingScheme.Method.choices,
        },
    )


@role_required(*MANAGERS)
def scheme_detail(request, pk):
    scheme = get_object_or_404(selectors.schemes_manageable_by(request.user), pk=pk)
    return render(
        request,
        "risks/scheme_detail.html",
        {"org": scheme.organisation, "view": _scheme_view(scheme)},
    )


def _form_context(*, org, title, scheme=None) -> dict:
    """What the scheme form's page shows besides the form."""
    return {
        "org": org,
        "title": title,
        "scheme": scheme,
        "criteria": list(grading.CRITERIA.values()),
    }


@role_required(*MANAGERS)
def scheme_create(request, org_pk):
    """A new (inactive) scheme for the organisation, starting from the defaults of the
    method and size chosen (?method=matrix&size=5)."""
    user = request.user
    org = get_object_or_404(organisations_manageable_by(user), pk=org_pk)
    choice = NewSchemeForm(request.GET)
    choice.is_valid()
    method = choice.cleaned_data.get("method") or GradingScheme.Method.MATRIX
    size = choice.cleaned_data.get("size") or grading.active_scheme(org).matrix_size
    if request.method == "POST":
        size = _posted_size(request, size)
    current = grading.active_scheme(org)
    values = grading.default_scheme_values(method, size, org)
    values["monitors"] = current.monitors
    values["review_days"] = current.review_days
    form = SchemeForm(
        request.POST or None,
        size=size,
        kinds=grading.matter_kinds_for(org),
        initial=SchemeForm.initial_from(values),
    )
    return form_page(
        request,
        form,
        save=lambda data: services.scheme_save(actor=user, organisation=org, values=form.values()),
        success=lambda scheme: _("已新增定级方案“%(name)s”，启用后生效。") % {"name": scheme.name},
        next_url=reverse("risks:scheme_organisation", args=[org.pk]),
        template="risks/scheme_form.html",
        **_form_context(org=org, title=_("新增定级方案")),
    )


def _posted_size(request, default):
    try:
        size = int(request.POST.get("matrix_size", default))
    except ValueError:
        return default
    return size if size in (3, 4, 5) else default


@role_required(*MANAGERS)
def scheme_edit(request, pk):
    """Edit a scheme. Saving the scheme in force re-grades the register it governs."""
    user = request.user
    scheme = get_object_or_404(selectors.schemes_manageable_by(user), pk=pk)
    values = {f: getattr(scheme, f) for f in services.SCHEME_FIELDS}
    form = SchemeForm(
        request.POST or None,
        size=scheme.matrix_size,
        kinds={*grading.matter_kinds_for(scheme.organisation), *scheme.matter_levels},
        initial=SchemeForm.initial_from(values),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.scheme_save(
                actor=user, organisation=scheme.organisation, values=form.values(), scheme=scheme
            )
        except ValidationError as error:
            form.apply_service_errors(error)
        else:
            if saved.regrade is not None and saved.regrade.job is not None:
                return _regrade_queued(request, saved.regrade)
            if saved.regrade is not None:
                messages.success(
                    request,
                    _("已保存定级方案，已重新定级 %(n)s 个风险点。") % {"n": saved.regrade.points},
                )
            else:
                messages.success(request, _("已保存定级方案。"))
            return redirect("risks:scheme_organisation", org_pk=scheme.organisation_id)
    return render(
        request,
        "risks/scheme_form.html",
        {
            "form": form,
            **_form_context(
                org=scheme.organisation,
                scheme=scheme,
                title=_("编辑定级方案：%(name)s") % {"name": scheme.name},
            ),
        },
    )


def _regrading(request, org, change, success):
    """Make a `change` of `org`'s grading that re-grades its register (it returns the
    re-grade): its refusal is shown, a large re-grade is followed in its job, else `success`
    (a function of the re-grade) is; then back to the organisation's schemes."""
    try:
        regrade = change()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if regrade.job is not None:
            return _regrade_queued(request, regrade)
        messages.success(request, success(regrade))
    return redirect("risks:scheme_organisation", org_pk=org.pk)


def _regrade_queued(request, regrade):
    """The register was too large to re-grade in the request: follow the job."""
    messages.info(
        request,
        _("定级方案已生效。%(n)s 个风险点较多，正在后台重新定级，可在本页查看进度。")
        % {"n": f"{regrade.pending:,}"},
    )
    return redirect("core:job_detail", pk=regrade.job.pk)


@role_required(*MANAGERS)
def scheme_activate(request, pk):
    """Confirm (GET), then activate (POST) a scheme: the register is re-graded."""
    user = request.user
    scheme = get_object_or_404(selectors.schemes_manageable_by(user), pk=pk)
    org = scheme.organisation
    if request.method == "POST":
        return _regrading(
            request,
            org,
            lambda: services.scheme_activate(actor=user, scheme=scheme),
            lambda result: (
                _("已启用定级方案“%(name)s”，已重新定级 %(n)s 个风险点。")
                % {"name": scheme.name, "n": result.points}
            ),
        )
    current = grading.active_scheme(org)
    return render(
        request,
        "risks/scheme_activate.html",
        {
            "org": org,
            "view": _scheme_view(scheme),
            "current_label": grading.label(current),
            "current": current,
            "points": grading.governed_points(org).count(),
            "organisations": len(grading.governed_organisations(org)),
        },
    )


@role_required(*MANAGERS)
@require_POST
def scheme_delete(request, pk):
    scheme = get_object_or_404(selectors.schemes_manageable_by(request.user), pk=pk)
    org_pk, name = scheme.organisation_id, scheme.name
    try:
        services.scheme_delete(actor=request.user, scheme=scheme)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已删除定级方案“%(name)s”。") % {"name": name})
    return redirect("risks:scheme_organisation", org_pk=org_pk)


@role_required(*MANAGERS)
@require_POST
def scheme_switch(request, org_pk, size):
    """One click: grade the organisation with a default size×size matrix from now on."""
    user = request.user
    org = get_object_or_404(organisations_manageable_by(user), pk=org_pk)
    if size not in (3, 4, 5):
        messages.error(request, _("矩阵阶数须为 3、4 或 5。"))
        return redirect("risks:scheme_organisation", org_pk=org.pk)
    return _regrading(
        request,
        org,
        lambda: services.scheme_switch_to_matrix(actor=user, organisation=org, size=size),
        lambda result: (
            _("已切换为 %(n)s×%(n)s 矩阵，已重新定级 %(count)s 个风险点。")
            % {"n": size, "count": result.points}
        ),
    )


# Generic phrases ------------------------------------------------------------------------------


@role_required(*PHRASE_KEEPERS)
def phrase_list(request):
    """The generic phrase list (查不准的不能过关): filter, add, disable, delete."""
    user = request.user
    manageable = list(organisations_manageable_by(user).order_by("path"))
    allow_global = permissions.may_edit_global_phrases(user)
    form = PhraseForm(
        request.POST or None,
        organisations=manageable,
        allow_global=allow_global,
        initial={
            "organisation": GLOBAL if allow_global else (manageable[0].pk if manageable else "")
        },
    )
    if request.method == "POST":
        added = save_form(
            request,
            form,
            lambda data: services.phrase_create(
                actor=user,
                organisation=data["organisation"],
                phrase=data["phrase"],
                reason=data["reason"],
                kind=data["kind"],
            ),
            lambda phrase: _("已添加空泛表述“%(p)s”。") % {"p": phrase.phrase},
        )
        if added is not NOT_SAVED:
            return redirect("risks:phrase_list")
    filters = PhraseFilterForm(request.GET, organisations=manageable)
    table = paginate(
        request,
        selectors.phrase_list(user=user, filters=filters.values),
        sorts={
            "phrase": "phrase",
            "kind": ("kind", "phrase"),
            "organisation": "organisation__path",
            "active": "active",
        },
        default="phrase",
        per_page=100,  # both built-in lists and an organisation's own fit on one page
    )
    manageable_ids = {o.pk for o in manageable}
    rows = list(table.page_obj.object_list)
    for row in rows:
        row.can_edit = (
            allow_global if row.organisation_id is None else row.organisation_id in manageable_ids
        )
    table.page_obj.object_list = rows
    return render(
        request,
        "risks/phrase_list.html",
        {
            "form": form,
            "filters": filters,
            "table": table,
            "rows": rows,
            # the platform administrator keeps no organisation's schemes
            "manages_schemes": user.has_any_role(MANAGERS),
        },
    )


@role_required(*PHRASE_KEEPERS)
@require_POST
def phrase_toggle(request, pk):
    phrase = get_object_or_404(selectors.phrases_manageable_by(request.user), pk=pk)
    phrase = services.phrase_set_active(actor=request.user, phrase=phrase, active=not phrase.active)
    if phrase.active:
        messages.success(request, _("已启用“%(p)s”。") % {"p": phrase.phrase})
    else:
        messages.success(request, _("已停用“%(p)s”。") % {"p": phrase.phrase})
    return redirect(_back(request))


@role_required(*PHRASE_KEEPERS)
@require_POST
def phrase_delete(request, pk):
    phrase = get_object_or_404(selectors.phrases_manageable_by(request.user), pk=pk)
    text = phrase.phrase
    services.phrase_delete(actor=request.user, phrase=phrase)
    messages.success(request, _("已删除“%(p)s”。") % {"p": text})
    return redirect(_back(request))


def _back(request):
    """Back to the list with its filters (only a query string of our own list is kept)."""
    query = request.POST.get("back", "")
    url = reverse("risks:phrase_list")
    return f"{url}?{query}" if query and "\n" not in query and "//" not in query else url
