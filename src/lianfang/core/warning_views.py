"""The integrity office's warning pages (预警): the list, one warning and its moves. The
warning centre proper (a module of its own) comes later; these make the mechanism visible."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import audit_labels, warning_selectors, warnings
from .access import role_required
from .models import WarningLevel, WarningStatus
from .roles import Role
from .tables import paginate

SORTS = {
    "raised": "raised_at",
    "level": "level",
    "due": "due_at",
    "status": "status",
    "subject": "subject",
}


class WarningFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    level = forms.TypedChoiceField(label=gettext_lazy("等级"), required=False, coerce=int)
    source = forms.ChoiceField(label=gettext_lazy("来源"), required=False)

    def __init__(self, data):
        super().__init__(data)
        self.fields["status"].choices = [
            (warning_selectors.NOT_CLOSED, _("未关闭")),
            *WarningStatus.choices,
            (warning_selectors.ALL, _("全部")),
        ]
        self.fields["level"].choices = [("", _("全部")), *WarningLevel.choices]
        self.fields["source"].choices = [("", _("全部"))] + [
            (code, str(label)) for code, label in sorted(warnings.sources().items())
        ]
        for name, field in self.fields.items():
            field.widget.attrs.update({"class": "form-select form-select-sm", "id": f"f-{name}"})

    def filters(self) -> dict:
        """The valid filters; an invalid value is shown with its error and otherwise ignored."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=WarningStatus.choices)
    reason = forms.CharField(required=False, max_length=warnings.REASON_MAX)


def _label(warning) -> None:
    rule = warnings.rule_of(warning)
    warning.rule_label = str(rule.label) if rule else warning.rule
    warning.source_label = str(rule.source_label) if rule else warning.source


@role_required(Role.INTEGRITY)
def warning_list(request):
    form = WarningFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    table = paginate(
        request,
        warning_selectors.warning_list(user=request.user, filters=filters),
        sorts=SORTS,
        default="-raised",
    )
    for warning in table.rows:
        _label(warning)
    return render(
        request,
        "core/warning_list.html",
        {
            "table": table,
            "form": form,
            "filtered": bool(filters),
            "multi_org": len({w.organisation_id for w in table.rows}) > 1,
        },
    )


@role_required(Role.INTEGRITY)
def warning_detail(request, pk):
    warning = get_object_or_404(
        warning_selectors.warnings_visible_to(request.user).select_related("organisation"), pk=pk
    )
    return _detail(request, warning, TransitionForm())


def _detail(request, warning, form, status=200):
    _label(warning)
    rule = warnings.rule_of(warning)
    trail = list(warning_selectors.warning_trail(warning))
    names = audit_labels.actor_names(e.actor_id for e in trail)
    for event in trail:
        event.action_label = audit_labels.action_label(event.action)
        event.actor_name = names.get(event.actor_id, "") if event.actor_id else _("系统")
        event.reason = (
            (event.after or {}).get("reason", "") if isinstance(event.after, dict) else ""
        )
    moves = [
        {
            "to": to,
            "label": warnings.MOVE_LABELS[to],
            "reason_required": to in warnings.REASON_REQUIRED,
        }
        for to in warnings.moves_for(request.user, warning)
    ]
    return render(
        request,
        "core/warning_detail.html",
        {
            "warning": warning,
            "links": rule.links(warning) if rule and rule.links else [],
            "evidence": warnings.evidence_rows(warning),
            "trail": trail,
            "moves": moves,
            "form": form,
        },
        status=status,
    )


@role_required(Role.INTEGRITY)
@require_POST
def warning_transition(request, pk):
    warning = get_object_or_404(
        warning_selectors.warnings_visible_to(request.user).select_related("organisation"), pk=pk
    )
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要进行的操作，说明不超过 500 个字。"))
        return _detail(request, warning, form, status=400)
    to = form.cleaned_data["to"]
    try:
        warnings.warning_transition(
            actor=request.user, warning=warning, to=to, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        warning.refresh_from_db()
        return _detail(request, warning, form, status=400)
    messages.success(request, _("预警已改为“%(status)s”。") % {"status": WarningStatus(to).label})
    return redirect("core:warning_detail", pk=warning.pk)
