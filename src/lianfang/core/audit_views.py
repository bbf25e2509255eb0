from django.http import Http404

from .access import role_required
from .roles import Role


@role_required(Role.INTEGRITY)
def audit_list(request):
    raise Http404


@role_required(Role.ADMIN)
def module_list(request):
    raise Http404
