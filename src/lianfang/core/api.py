"""What every REST endpoint shares: role checks declared like `role_required`, and querysets
that come from the app's `visible_to` selectors (anything else is a 404)."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, permissions, serializers
from rest_framework.settings import api_settings

from .access import ACCESS_ATTR
from .roles import Role

# The largest id a row can have (ids are BigAutoField): a larger number in a query names no
# row, and SQLite cannot even bind it (OverflowError), so it is refused as bad input.
ID_MAX = 2**63 - 1
BAD_ID = _("编号须为 1 至 %(max)s 之间的整数。")
TOO_DEEP = _("JSON 嵌套层数过多，无法解析。")


def id_filter(help_text) -> serializers.IntegerField:
    """An optional query parameter naming a row by its id (1 to `ID_MAX`)."""
    return serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text=help_text
    )


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (`DEFAULT_PARSER_CLASSES`), refusing JSON nested deeper than Python's
    parser recurses (`[[[[…`) as malformed, with a 400: DRF turns a ValueError into its
    ParseError, but the RecursionError such a body raises was a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(TOO_DEEP) from None


class HasAnyRole(permissions.BasePermission):
    """A signed-in user holding at least one of the view's `access_roles`."""

    message = _("您没有使用此接口的权限。")

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and user.is_authenticated and user.has_any_role(getattr(view, "access_roles", ()))
        )


class RoleDeclaredMixin:
    """For DRF viewsets: the URL callbacks declare `access_roles` for the URL walker
    (tests/test_url_permissions.py) the way `role_required` does, and the queryset is the
    subclass's `scoped_queryset(user)`."""

    access_roles: tuple[str, ...] = Role.ALL
    model = None

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        view = super().as_view(actions, **initkwargs)
        setattr(view, ACCESS_ATTR, tuple(cls.access_roles))
        return view

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no real user
            return self.model.objects.none()
        return self.scoped_queryset(self.request.user)

    def scoped_queryset(self, user):
        """What `user` may see through this endpoint: a `visible_to` selector's queryset."""
        raise NotImplementedError(f"{type(self).__name__} must define scoped_queryset")

    def query(self, name):
        """A text parameter, stripped; a NUL character (which PostgreSQL cannot compare) is
        refused with a 400, as the forms and the serializers do."""
        value = (self.request.query_params.get(name) or "").strip()
        try:
            ProhibitNullCharactersValidator()(value)
        except DjangoValidationError as error:
            raise exceptions.ValidationError({name: error.messages}) from None
        return value

    def int_query(self, name):
        """An id parameter: None when absent or not a number (ignored, as it always was); a
        number no id can be (negative, or beyond `ID_MAX`) is refused with a 400."""
        try:
            value = int(self.query(name))
        except ValueError:
            return None
        if not 0 <= value <= ID_MAX:
            raise exceptions.ValidationError({name: [BAD_ID % {"max": ID_MAX}]})
        return value

    def flag_query(self, name):
        """A yes/no parameter: True for 1/true, False for 0/false, None when absent or else."""
        return {"1": True, "true": True, "0": False, "false": False}.get(self.query(name).lower())

    def int_queries(self, *names) -> dict:
        """The integer parameters among `names` that are given (and not 0), by name."""
        return {name: value for name in names if (value := self.int_query(name))}


# The API's error bodies: a service's ValidationError and DRF's details, as one flat list.


def errors_of_django(exc: DjangoValidationError) -> list[dict]:
    """The service's errors with their codes, keyed by field where one is to blame."""
    items = []
    groups = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    for field, errors in groups:
        for error in errors:
            message = error.message % error.params if error.params else error.message
            items.append(
                {
                    "field": None if field in (None, NON_FIELD_ERRORS) else field,
                    "code": error.code or "invalid",
                    "message": str(message),
                }
            )
    return items


def errors_of_drf(detail, field=None) -> list[dict]:
    """DRF's nested error details, flattened with dotted field names ("criteria.0")."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            name = None if key == api_settings.NON_FIELD_ERRORS_KEY else str(key)
            if field and name:
                name = f"{field}.{name}"
            items.extend(errors_of_drf(value, name or field))
        return items
    if isinstance(detail, list):
        return [item for value in detail for item in errors_of_drf(value, field)]
    return [{"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]
