"""The HIS's endpoint: a one-time satisfaction code per visit, requested at discharge or
payment and printed on the patient's slip or sent with the discharge summary.

`POST /api/satisfaction/tokens/` with `{"department": id, "visit": "<visit number>"}`
answers `{"code", "url", "used"}`. The same visit gives the same code again (a retry after a
lost answer is safe); only keyed hashes of the code and the visit are stored. Signed in with a
service account's token (`accounts.api_tokens`); the department must lie in an organisation
the account is granted on (or below it). Any other department is a 404.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from lianfang.core.access import ACCESS_ATTR
from lianfang.core.api import ID_MAX, HasAnyRole
from lianfang.core.roles import Role
from lianfang.org.models import Department

from . import services

ISSUERS = (Role.ADMIN, Role.INTEGRITY, Role.STAFF)


class TokenRequestSerializer(serializers.Serializer):
    department = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text=_("科室编号（就诊或出院科室）")
    )
    visit = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=_("就诊号或住院号；同一就诊重复请求得到同一评价码"),
    )


class TokenSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("评价码（每码限评价一次）"))
    url = serializers.CharField(help_text=_("带评价码的评价页面地址（可印成二维码）"))
    used = serializers.BooleanField(help_text=_("是否已使用"))


class TokenIssueView(APIView):
    permission_classes = [HasAnyRole]
    access_roles = ISSUERS

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        setattr(view, ACCESS_ATTR, ISSUERS)
        return view

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        summary="发放满意度评价码",
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        paths = [g.organisation.path for g in request.user.active_grants if g.role in ISSUERS]
        department = (
            Department.objects.filter(pk=data.validated_data["department"], active=True)
            .select_related("organisation")
            .first()
        )
        if department is None or not any(
            department.organisation.path.startswith(path) for path in paths
        ):
            raise exceptions.NotFound(_("没有这个科室，或不在本账号所属单位。"))
        try:
            code, token = services.token_issue(
                actor=request.user,
                department=department,
                visit=data.validated_data.get("visit", ""),
            )
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"visit": error.messages}) from None
        url = request.build_absolute_uri(
            reverse("satisfaction:answer", args=[department.pk]) + f"?t={code}"
        )
        return Response(
            {"code": services.format_code(code), "url": url, "used": token.used_at is not None},
            status=status.HTTP_200_OK,
        )
