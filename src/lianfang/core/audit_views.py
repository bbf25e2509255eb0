"""The audit log pages of the integrity office and the audit reviewer (安全审计员): the event
list, one event, and the chain check."""

import json
import logging

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import audit, audit_checkpoints, audit_labels, selectors, services
from .access import role_required
from .forms import bound_values
from .roles import Role
from .tables import paginate

logger = logging.getLogger(__name__)


def _model_of(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = _model_of(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


action_label = audit_labels.action_label


def _name_actors(events) -> None:
    """Give each event `actor_name`: the person's (or account's) name, when it has one."""
    names = audit_labels.actor_names(event.actor_id for event in events)
    for event in events:
        event.actor_name = names.get(event.actor_id, "")


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("操作人"), required=False, max_length=150)
    object_type = forms.ChoiceField(label=gettext_lazy("对象类型"), required=False)
    object = forms.CharField(label=gettext_lazy("对象"), required=False, max_length=255)
    action = forms.ChoiceField(label=gettext_lazy("操作"), required=False)
    since = forms.DateField(
        label=gettext_lazy("起始日期"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, data, *, object_types, actions):
        super().__init__(data)
        everything = [("", _("全部"))]
        self.fields["object_type"].choices = everything + [
            (t, object_type_label(t)) for t in object_types
        ]
        self.fields["action"].choices = everything + [(a, action_label(a)) for a in actions]
        bound_values(self)
        for name, field in self.fields.items():
            select = isinstance(field, forms.ChoiceField)
            css = "form-select form-select-sm" if select else "form-control form-control-sm"
            field.widget.attrs.update({"class": css, "id": f"f-{name}"})

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("截止日期不能早于起始日期。"))
        return data

    def filters(self) -> dict:
        """The valid filters; an invalid field is shown with its error and otherwise ignored."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


@role_required(*Role.AUDIT_READERS)
def audit_list(request):
    object_types, actions = selectors.audit_filter_choices(user=request.user)
    form = AuditFilterForm(request.GET or None, object_types=object_types, actions=actions)
    filters = form.filters() if form.is_bound else {}
    table = paginate(
        request,
        selectors.audit_event_list(user=request.user, filters=filters),
        sorts={
            "time": "seq",
            "actor": "actor_label",
            "action": "action",
            "object_type": "object_type",
        },
        default="-time",
    )
    for event in table.rows:
        event.object_type_label = object_type_label(event.object_type)
        event.action_label = action_label(event.action)
    _name_actors(table.rows)
    return render(
        request,
        "core/audit_list.html",
        {"table": table, "form": form, "filtered": bool(filters)},
    )


def _display(value, field) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field is not None and field.choices and isinstance(value, str | int):
        label = dict(field.flatchoices).get(value)
        if label is not None:
            return f"{label}（{value}）"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def diff_rows(event) -> list[dict]:
    """One row per field in before or after: its label, old and new value, and if it changed."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    model = _model_of(event.object_type)
    fields = {f.attname: f for f in model._meta.concrete_fields} if model is not None else {}
    order = {name: i for i, name in enumerate(fields)}
    keys = sorted(before.keys() | after.keys(), key=lambda k: (order.get(k, len(order)), k))
    rows = []
    for key in keys:
        field = fields.get(key)
        label = str(field.verbose_name) if field is not None else key
        rows.append(
            {
                "name": key,
                "label": label,
                "old": _display(before.get(key), field) if key in before else "—",
                "new": _display(after.get(key), field) if key in after else "—",
                "changed": key not in before or key not in after or before[key] != after[key],
            }
        )
    return rows


@role_required(*Role.AUDIT_READERS)
def audit_detail(request, pk):
    event = get_object_or_404(selectors.audit_events_visible_to(request.user), pk=pk)
    event.object_type_label = object_type_label(event.object_type)
    event.action_label = action_label(event.action)
    _name_actors([event])
    return render(
        request,
        "core/audit_detail.html",
        {
            "event": event,
            "rows": diff_rows(event),
            "position": selectors.audit_event_position(user=request.user, event=event),
        },
    )


@role_required(*Role.AUDIT_READERS)
@require_POST
def audit_verify(request):
    """Recompute the whole chain and say whether it holds, or which event broke it; held to
    the signed checkpoints when the platform keeps them (LIANFANG_AUDIT_CHECKPOINTS)."""
    if settings.AUDIT_CHECKPOINT_DIR:
        try:
            result, _marks = audit_checkpoints.verify_against(settings.AUDIT_CHECKPOINT_DIR)
        except audit_checkpoints.CheckpointError as exc:
            logger.error("audit checkpoints unusable: %s", exc)
            messages.error(
                request,
                _(
                    "审计链的签名检查点无法读取，或其签名不符，未能完成校验。"
                    "请系统管理员查看日志并检查检查点目录和验证密钥。"
                ),
            )
            return redirect("core:audit_list")
    else:
        result = audit.verify()
    services.audit_verify_record(actor=request.user, result=result)
    if result.ok:
        messages.success(request, result.message)
    else:
        messages.error(request, result.message)
    return redirect("core:audit_list")
