from django.shortcuts import render

from lianfang.core.access import role_required
from lianfang.core.roles import Role
from lianfang.core.tables import paginate

from . import selectors


@role_required(*Role.ALL)
def organisation_list(request):
    table = paginate(
        request,
        selectors.organisations_visible_to(request.user),
        sorts={"path": "path"},
        default="path",
    )
    return render(request, "org/organisation_list.html", {"table": table})
