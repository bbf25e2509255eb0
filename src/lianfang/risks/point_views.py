"""Pages of a risk point: its detail with the measures and the timeline, and its writes
(create, edit, file, review, retire), and of its measures (link, unlink, a measure's page and
its edit).

Everyone with a role reads within `visible_to`; who may write what is permissions.py's rule
(the pages offer only the actions it allows and answer 403 to the rest), and every write goes
through services.py.
"""

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from lianfang.core import extensions, punctuation
from lianfang.core.access import role_required
from lianfang.core.attachments import attachments_of, use_of
from lianfang.core.pages import NOT_SAVED, form_page, save_form
from lianfang.org import selectors as org_selectors
from lianfang.reviews import chain as review_chain
from lianfang.reviews.models import Level, Submission

from . import filing_hooks, grading, permissions, selectors, services, suggestions
from .attachments import MEASURE_EVIDENCE
from .models import Measure, RiskPoint, RiskPointEvent
from .register_forms import (
    LinkMeasureForm,
    MeasureForm,
    ProgressForm,
    ReasonForm,
    RiskPointForm,
    power_options,
    step_queryset,
)
from .views import READ

# A risk point --------------------------------------------------------------------------------


# Timeline keys that are not fields of RiskPoint: links and a covering measure's changes.
_CHANGE_LABELS = {
    "measures": _lazy("防控措施"),
    "measure.text": _lazy("措施内容"),
    "measure.owner": _lazy("措施责任人"),
    "measure.due": _lazy("措施完成时限"),
    "measure.status": _lazy("措施状态"),
    "measure.done_on": _lazy("措施落实日期"),
    "measure.evidence": _lazy("措施落实情况"),
    "review_level": _lazy("审核环节"),
    "waiting_level": _lazy("转至"),
}
_CHANGE_CHOICES = {
    "measure.status": dict(Measure.Status.choices),
    "review_level": dict(Level.choices),
    "waiting_level": dict(Level.choices),
}


def _field(name):
    try:
        field = RiskPoint._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if hasattr(field, "verbose_name") else None


def _display(name, field, value) -> str:
    """A timeline value in words: choices by label, criteria and matter kinds by name."""
    if value in (None, "", []):
        return "—"
    choices = _CHANGE_CHOICES.get(name) or (
        dict(field.choices) if field and field.choices else None
    )
    if name == "criteria":
        choices = grading.CRITERIA
    elif name == "matter_kind":
        choices = grading.MATTER_LABELS
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list):
        return punctuation.listed(choices.get(v, v) if choices else v for v in value)
    if choices:
        return str(choices.get(value, value))
    return str(value)


def _changes(event) -> list[tuple]:
    """An event's changes as (label, old, new) in words; old is None for a value that is no
    change (the review level a decision was taken at)."""
    changes = []
    for name, pair in (event.changes or {}).items():
        field = _field(name)
        label = _CHANGE_LABELS.get(name) or (field.verbose_name if field else name)
        if isinstance(pair, list):
            old, new = (list(pair) + [None, None])[:2]
            changes.append((str(label), _display(name, field, old), _display(name, field, new)))
        else:
            changes.append((str(label), None, _display(name, field, pair)))
    return changes


def timeline(point: RiskPoint) -> list[dict]:
    """The point's events, newest first, each change as (label, old, new) in words."""
    return [
        {"event": event, "changes": _changes(event)}
        for event in point.events.select_related("actor")
    ]


def _review_context(point: RiskPoint) -> dict:
    """The point's way through the review chain: the open submission with its levels, or
    the last one returned with its reason; a change's proposed values."""
    submission = review_chain.open_submission(point)
    context = {"submission": submission, "progress": [], "returned": None, "proposed": []}
    if submission is not None:
        context["progress"] = review_chain.progress(submission)
        if submission.kind == Submission.Kind.CHANGE:
            asked = point.events.filter(type=RiskPointEvent.Type.CHANGE_REQUESTED).first()
            if asked is not None:
                context["proposed"] = [c for c in _changes(asked) if c[1] is not None]
        return context
    last = review_chain.latest_submission(point)
    if last is not None and last.state == Submission.State.RETURNED:
        context["returned"] = last
        context["return_decision"] = (
            last.decisions.filter(outcome="returned").select_related("actor").last()
        )
    return context


def _visible_point(user, pk) -> RiskPoint:
    return get_object_or_404(
        selectors.risk_points_visible_to(user).select_related(
            "organisation", "department", "post__department", "power", "step", "author"
        ),
        pk=pk,
    )


def _point_for(user, pk, action) -> RiskPoint:
    """A visible risk point on which the user may take `action` (else 404 or 403)."""
    point = _visible_point(user, pk)
    if action not in permissions.point_actions(user, point):
        raise PermissionDenied
    return point


def _detail_page(request, point, *, file_errors=()):
    user = request.user
    measures = list(
        point.measures.select_related("owner_person", "owner_department").order_by("pk")
    )
    return render(
        request,
        "risks/point_detail.html",
        {
            "point": point,
            "measures": measures,
            "monitors": selectors.monitors_for([point]).get(point.pk, []),
            "timeline": timeline(point),
            "actions": permissions.point_actions(user, point),
            "file_errors": file_errors,
            **_review_context(point),
            # what the modules above add (a leader's filing: the staff's comments)
            "panels": extensions.panels(filing_hooks.POINT_DETAIL, request, point=point),
            "matter_kind": grading.MATTER_LABELS.get(point.matter_kind, point.matter_kind),
            "criteria": [str(grading.CRITERIA.get(c, c)) for c in point.criteria or ()],
            "today": timezone.localdate(),
            "power_url": reverse("org:power_detail", args=[point.power_id]),
            "department_visible": point.department_id
            and org_selectors.departments_visible_to(user).filter(pk=point.department_id).exists(),
            "post_visible": point.post_id
            and org_selectors.posts_visible_to(user).filter(pk=point.post_id).exists(),
            # who holds the post now (as far as the user may see people), for their pages
            "holders": list(org_selectors.current_holders(user=user, post_id=point.post_id))
            if point.post_id
            else [],
        },
    )


@role_required(*READ)
def point_detail(request, pk):
    return _detail_page(request, _visible_point(request.user, pk))


# Writes: risk points -------------------------------------------------------------------------


def _form_page(request, form, **page):
    """A risk point's or measure's create/edit page (`core.pages.form_page`)."""
    return form_page(request, form, template="risks/point_form.html", **page)


def _register_crumb():
    return (_("风险点台账"), reverse("risks:register"))


def _point_url(point) -> str:
    return reverse("risks:point_detail", args=[point.pk])


def _int_param(request, name):
    try:
        value = int(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None


@role_required(*READ)
def point_create(request):
    """The new risk point form. `?post=` (from 我的风险点's 新增) chooses a post the user may
    register for, and its organisation; `?organisation=` an organisation."""
    user = request.user
    organisations = permissions.creatable_organisations(user).order_by("path")
    post = None
    post_id = _int_param(request, "post")
    if post_id is not None:
        post = permissions.point_posts(user).filter(pk=post_id).first()
    chosen = post.organisation_id if post is not None else _int_param(request, "organisation")
    organisation = organisations.filter(pk=chosen).first() if chosen else None
    if organisation is None:
        choices = list(organisations)
        if not choices:
            raise PermissionDenied
        if len(choices) > 1:
            return render(request, "risks/point_organisation.html", {"organisations": choices})
        organisation = choices[0]
    if post is not None and post.organisation_id != organisation.pk:
        post = None
    form = RiskPointForm(request.POST or None, user=user, organisation=organisation, post=post)

    def save(data):
        if not permissions.may_save_point(user, organisation, form.service_data):
            raise PermissionDenied
        return services.risk_point_create_with_measure(
            actor=user,
            organisation=organisation,
            data=form.service_data,
            reason=data.get("reason") or "",
            measure=form.measure_data,
        )

    return _form_page(
        request,
        form,
        save=save,
        success=_("已新增风险点（草稿）。可在本页提交备案。"),
        next_url=_point_url,
        title=_("新增风险点"),
        crumbs=[_register_crumb()],
        cancel_url=reverse("risks:register"),
        intro=_("单位：%(name)s。风险点须落到具体的权力事项和环节，写明具体表现形式。")
        % {"name": organisation.name},
        scripts=True,
        filing_form=True,
        suggest=True,
        suggestions_url=reverse("risks:point_form_options"),
        **_suggestion_context(form, organisation),
    )


def _suggestion_context(form, organisation) -> dict:
    """The form's starting points (从标准库选用) for the chosen post's powers."""
    post = form.chosen_post
    if post is None or not form.powers_filtered:
        return {"suggestions": []}
    powers = list(selectors.post_powers(organisation, post).order_by("code"))
    found = suggestions.suggestions_for(powers, form.scheme, post=post)
    return {"suggestions": [s.as_dict() for s in found]}


@role_required(*READ)
def point_form_options(request):
    """The choices of the risk point form that follow other fields, for the page's script
    (JSON): the powers of `?post=` (every power with `?all=1`), the steps of `?power=`, and
    the library's starting points for the post. Only an organisation the user may register
    in, a post they may register for, and a power of the organisation's catalogue count;
    anything else is left out."""
    user = request.user
    organisation = (
        permissions.creatable_organisations(user)
        .filter(pk=_int_param(request, "organisation") or 0)
        .first()
    )
    if organisation is None:
        return JsonResponse({"powers": [], "filtered": False, "steps": [], "suggestions": []})
    post_id = _int_param(request, "post")
    post = (
        permissions.point_posts(user, organisation).filter(pk=post_id).first() if post_id else None
    )
    power_id = _int_param(request, "power")
    power = selectors.point_powers(organisation).filter(pk=power_id).first() if power_id else None
    options, filtered = power_options(
        organisation, post, current=power, everything=request.GET.get("all") == "1"
    )
    scheme = grading.active_scheme(organisation)
    found = []
    if post is not None and filtered:
        powers = list(selectors.post_powers(organisation, post).order_by("code"))
        found = [s.as_dict() for s in suggestions.suggestions_for(powers, scheme, post=post)]
    return JsonResponse(
        {
            "powers": [[pk, label] for pk, label in options],
            "filtered": filtered,
            "steps": [[step.pk, step.name] for step in step_queryset(power)],
            "suggestions": found,
        }
    )


@role_required(*READ)
def point_edit(request, pk):
    user = request.user
    point = _point_for(user, pk, permissions.EDIT)
    form = RiskPointForm(
        request.POST or None, user=user, organisation=point.organisation, instance=point
    )

    def save(data):
        if not permissions.may_save_point(user, point.organisation, form.service_data, point):
            raise PermissionDenied
        return services.risk_point_update(
            actor=user, risk_point=point, data=form.service_data, reason=data["reason"]
        )

    detail = _point_url(point)
    return _form_page(
        request,
        form,
        save=save,
        success=_("已保存风险点。"),
        next_url=detail,
        title=_("编辑风险点"),
        crumbs=[_register_crumb(), (point.name, detail)],
        cancel_url=detail,
        intro=_(
            "当前等级：%(level)s。修改可能性、危害程度或人工指定等级导致等级变化时，须填写变更原因。"
        )
        % {"level": point.get_level_display() or _("未定级")},
        scripts=True,
        filing_form=True,
        suggestions_url=reverse("risks:point_form_options"),
    )


@role_required(*READ)
@require_POST
def point_file(request, pk):
    """Submit a draft for filing (提交备案): it goes up the review chain."""
    user = request.user
    point = _point_for(user, pk, permissions.FILE)
    try:
        point = services.risk_point_submit(actor=user, risk_point=point)
    except ValidationError as error:
        return _detail_page(request, point, file_errors=error.messages)
    submission = review_chain.open_submission(point)
    messages.success(
        request,
        _("已提交备案审核，待%(level)s审核。") % {"level": Level(submission.level).label},
    )
    return redirect("risks:point_detail", pk=point.pk)


def _reason_page(request, point, *, label, required, save, help_text="", next_url=None, **page):
    """A page that takes a reason (or note) for an action on `point`: `save(text)` takes it;
    then to `next_url` (default: the point's page)."""
    detail = _point_url(point)
    return _form_page(
        request,
        ReasonForm(request.POST or None, label=label, required=required, help_text=help_text),
        save=lambda data: save(data["text"]),
        next_url=next_url or detail,
        crumbs=[_register_crumb(), (point.name, detail)],
        cancel_url=detail,
        point=point,
        **page,
    )


@role_required(*READ)
def point_review(request, pk):
    user = request.user
    point = _point_for(user, pk, permissions.REVIEW)
    return _reason_page(
        request,
        point,
        label=_("复核意见"),
        required=False,
        save=lambda text: services.risk_point_review(actor=user, risk_point=point, note=text),
        success=_("已记录复核，下次复核日期已更新。"),
        title=_("复核风险点"),
        submit_label=_("确认复核"),
    )


@role_required(*READ)
def point_retire(request, pk):
    user = request.user
    point = _point_for(user, pk, permissions.RETIRE)
    return _reason_page(
        request,
        point,
        label=_("停用原因"),
        required=True,
        save=lambda text: services.risk_point_retire(actor=user, risk_point=point, reason=text),
        success=_("风险点已停用，历史记录保留。"),
        title=_("停用风险点"),
        submit_label=_("确认停用"),
    )


# Writes: measures ---------------------------------------------------------------------------


@role_required(*READ)
def point_measures(request, pk):
    """Link an existing measure to a risk point, or write a new one for it."""
    user = request.user
    point = _point_for(user, pk, permissions.LINK)
    detail = reverse("risks:point_detail", args=[point.pk])
    action = request.POST.get("action") if request.method == "POST" else None
    link_form = LinkMeasureForm(request.POST if action == "link" else None, user=user, point=point)
    measure_form = MeasureForm(
        request.POST if action == "create" else None,
        user=user,
        organisation=point.organisation,
        prefix="new",
    )
    if action == "link":
        result = save_form(
            request,
            link_form,
            lambda data: services.measure_link(
                actor=user, measure=data["measure"], risk_points=[point]
            ),
            _("已关联防控措施。"),
        )
        if result is not NOT_SAVED:
            return redirect(detail)
    if action == "create":

        def create(data):
            if not permissions.may_create_measure(user, point.organisation, [point]):
                raise PermissionDenied
            return services.measure_create(
                actor=user,
                organisation=point.organisation,
                data={**measure_form.service_data, "risk_points": [point]},
            )

        result = save_form(request, measure_form, create, _("已新增防控措施并关联到本风险点。"))
        if result is not NOT_SAVED:
            return redirect(detail)
    linked = list(point.measures.select_related("owner_person", "owner_department").order_by("pk"))
    return render(
        request,
        "risks/point_measures.html",
        {
            "point": point,
            "linked": linked,
            "link_form": link_form,
            "measure_form": measure_form,
            "has_choices": link_form.fields["measure"].queryset.exists(),
        },
    )


@role_required(*READ)
@require_POST
def point_unlink(request, pk, measure_pk):
    user = request.user
    point = _point_for(user, pk, permissions.LINK)
    measure = get_object_or_404(point.measures.all(), pk=measure_pk)
    services.measure_unlink(actor=user, measure=measure, risk_points=[point])
    messages.success(request, _("已解除与该措施的关联。"))
    return redirect("risks:point_measures", pk=point.pk)


@role_required(*READ)
def measure_detail(request, pk):
    user = request.user
    measure = get_object_or_404(
        selectors.measures_visible_to(user).select_related(
            "organisation", "owner_person__department", "owner_department"
        ),
        pk=pk,
    )
    points = list(
        selectors.risk_points_visible_to(user)
        .filter(measures=measure)
        .select_related("organisation", "department", "post", "power", "step")
        .order_by("level", "pk")
    )
    return render(
        request,
        "risks/measure_detail.html",
        {
            "measure": measure,
            "points": points,
            "can_edit": permissions.may_edit_measure(user, measure),
            "can_record_progress": permissions.may_record_progress(user, measure),
            "attachments": list(attachments_of(measure, MEASURE_EVIDENCE)),
            "today": timezone.localdate(),
        },
    )


@role_required(*READ)
def measure_edit(request, pk):
    user = request.user
    measure = get_object_or_404(
        selectors.measures_visible_to(user).select_related("organisation"), pk=pk
    )
    if not permissions.may_edit_measure(user, measure):
        raise PermissionDenied
    form = MeasureForm(
        request.POST or None, user=user, organisation=measure.organisation, instance=measure
    )
    detail = reverse("risks:measure_detail", args=[measure.pk])
    return _form_page(
        request,
        form,
        save=lambda data: services.measure_update(
            actor=user, measure=measure, data=form.service_data
        ),
        success=_("已保存防控措施。"),
        next_url=detail,
        title=_("编辑防控措施"),
        crumbs=[_register_crumb(), (str(measure), detail)],
        cancel_url=detail,
        intro=_("修改会记入所覆盖的每个风险点的变更记录。"),
    )


@role_required(*READ)
def measure_progress(request, pk):
    """Record that a measure is in place (已落实), with the date and the evidence: for its
    owner, the heads of the departments concerned and the integrity office."""
    user = request.user
    measure = get_object_or_404(
        selectors.measures_visible_to(user).select_related("organisation"), pk=pk
    )
    if not permissions.may_record_progress(user, measure):
        raise PermissionDenied
    initial = {"done_on": measure.done_on or timezone.localdate(), "evidence": measure.evidence}
    form = ProgressForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        use=use_of(MEASURE_EVIDENCE),
    )
    detail = reverse("risks:measure_detail", args=[measure.pk])
    return _form_page(
        request,
        form,
        save=lambda data: services.measure_record_progress(
            actor=user,
            measure=measure,
            done_on=data["done_on"],
            evidence=data["evidence"],
            files=[data["files"]],
        ),
        success=_("已记录措施落实情况。"),
        next_url=detail,
        title=_("记录落实情况"),
        crumbs=[_register_crumb(), (str(measure), detail)],
        cancel_url=detail,
        intro=measure.text,
        submit_label=_("确认已落实"),
    )
