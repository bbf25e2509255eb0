"""Pages of delegation while on leave (代理): one's own delegations and, for administrators
and the integrity office, those of the organisations in their scope; setting one for one's
leave; ending one early. Thin: each parses, calls one selector or service, renders."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianfang.core.access import role_required
from lianfang.core.pages import form_page
from lianfang.core.roles import Role
from lianfang.core.scoping import acting_organisation
from lianfang.core.tables import paginate

from . import delegations, selectors
from .delegation_forms import DelegationEndForm, DelegationForm

# Everyone with an account sets their own delegation; the list shows what each may see.
PARTICIPANTS = Role.ALL
SORTS = {"start": ("start", "id"), "end": ("end", "id"), "created": "created_at"}


def _organisation_of(user):
    """The organisation whose people the user delegates to: their person's, else their
    account's, else where their grants meet."""
    person = getattr(user, "person", None) if hasattr(user, "person") else None
    if person is not None:
        return person.organisation
    return user.organisation or acting_organisation(user)


def _state(delegation, today):
    if delegation.ended_at is not None:
        return "ended"
    if delegation.end < today:
        return "past"
    if delegation.start > today:
        return "coming"
    return "in_force"


@role_required(*PARTICIPANTS)
def delegation_list(request):
    user = request.user
    keeper = delegations.keeps_delegations(user)
    scope = request.GET.get("who", "all" if keeper else "mine")
    qs = delegations.delegations_visible_to(user)
    if scope != "all" or not keeper:
        scope = "mine"
        qs = qs.filter(Q(delegator_id=user.pk) | Q(delegate_id=user.pk))
    if request.GET.get("current") == "1":
        qs = delegations.Delegation.objects.in_force().filter(pk__in=qs.values("pk"))
    table = paginate(
        request,
        qs.select_related("organisation", "delegator", "delegate", "created_by", "ended_by"),
        sorts=SORTS,
        default="-start",
    )
    today = timezone.localdate()
    for row in table.rows:
        row.state = _state(row, today)
        row.may_end = row.state in ("in_force", "coming") and delegations.may_manage(
            user, row.organisation, row.delegator
        )
    return render(
        request,
        "flows/delegations.html",
        {
            "table": table,
            "keeper": keeper,
            "who": scope,
            "current": request.GET.get("current") == "1",
            "end_form": DelegationEndForm(),
        },
    )


@role_required(*PARTICIPANTS)
def delegation_new(request):
    user = request.user
    organisation = _organisation_of(user)
    if organisation is None:
        raise Http404
    form = DelegationForm(request.POST or None, organisation=organisation)

    def save(cleaned):
        return delegations.delegation_create(
            actor=user,
            organisation=organisation,
            delegator=user,
            delegate=cleaned["delegate"].user,
            start=cleaned["start"],
            end=cleaned["end"],
            reason=cleaned["reason"],
        )

    return form_page(
        request,
        form,
        save=save,
        success=lambda d: (
            _("已设置代理：%(start)s 至 %(end)s 由%(delegate)s代为办理。")
            % {"start": d.start, "end": d.end, "delegate": d.delegate}
        ),
        next_url="flows:delegations",
        template="flows/delegation_form.html",
    )


@role_required(*PARTICIPANTS)
@require_POST
def delegation_end(request, pk):
    """End a delegation early (its delegator, or an administrator or integrity officer of its
    organisation); one outside the user's scope is a 404."""
    found = get_object_or_404(
        delegations.delegations_visible_to(request.user).select_related(
            "organisation", "delegator"
        ),
        pk=pk,
    )
    if not delegations.may_manage(request.user, found.organisation, found.delegator):
        raise PermissionDenied
    form = DelegationEndForm(request.POST)
    if form.is_valid():
        try:
            delegations.delegation_end(
                actor=request.user, delegation=found, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("代理已结束，新到达的待办由委托人本人办理。"))
    else:
        messages.error(request, _("请填写结束原因。"))
    return redirect("flows:delegations")


def _colleague_label(person) -> str:
    return f"{person.name}（{person.department.name}）" if person.department else person.name


@role_required(*PARTICIPANTS)
def delegate_search(request):
    """The delegation form's person picker (JSON, as `core.widgets.SearchSelect` asks): the
    colleagues of the user's own organisation with an account, by name or pinyin initials.
    The general picker (`org:person_search`) finds only the people the user may see, which
    for a member of staff is nobody else; this one answers names and departments only, no
    工号 or other details."""
    limit = selectors.COLLEAGUES_LIMIT
    people = selectors.delegate_candidates(
        request.user, _organisation_of(request.user), request.GET.get("q", ""), limit=limit + 1
    )
    results = [
        {
            "id": person.pk,
            "text": f"{person.name}（{person.department.name}）"
            if person.department
            else person.name,
            "name": person.name,
        }
        for person in people[:limit]
    ]
    return JsonResponse(
        {"results": results, "more": len(people) > limit},
        json_dumps_params={"ensure_ascii": False},
    )
