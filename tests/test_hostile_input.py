"""Hostile input: no query string and no form value may make a page or the API answer 500.

Every GET URL of the scope matrix (tests/test_scope_matrix.py, its world and its clients) is
asked, by every role that may use it, with each kind of hostile value in the common query
parameters (`PARAMS`): huge and negative numbers, far dates, unicode and zero-width characters,
SQL-ish text, very long text, repeated parameters. Any answer but a 500 passes: what matters
is that bad input gets a message (a 400, or the page with the form's error), never a crash.
Every write's numbers and dates are then set beyond what a column holds or a record means.
"""

import json
import re

import pytest
from django.urls import reverse

from lianfang.org.models import Post
from tests.scope_world import ROLES, module_world
from tests.test_scope_matrix import (
    DECLARED,
    add_flows,
    client_for,
    has_args,
    may_use,
    send,
    target,
    url_of,
)

# The query parameters the views and the API read (filters, paging, sorting).
PARAMS = (
    "page",
    "per_page",
    "sort",
    "q",
    "organisation",
    "department",
    "post",
    "power",
    "person",
    "risk_point",
    "owner_person",
    "owner_department",
    "status",
    "level",
    "levels",
    "kind",
    "category",
    "since",
    "until",
    "year",
    "actor",
    "object_type",
    "object",
    "action",
    "is_key",
    "is_sensitive",
    "leader",
    "is_public",
    "active",
    "next",
    "rebind",
)
HUGE = "99999999999999999999"
REPEATED = ("1", HUGE, "-1", "9999-12-31", "x")
# One value of each hostile kind (a tuple: the parameter repeated with each of its values).
HOSTILE = (
    HUGE,
    "-" + HUGE,
    "9999-12-31",
    "0001-01-01",
    "\u200b风险\u200d\u202e𝔘\ufeff",
    "' OR 1=1 --",
    "长" * 1000,
    "a\x00b",
    REPEATED,
)
# Requests per URL, shared among the roles that may use it: enough for each parameter to get
# every kind at least once on a URL few roles use, one request per role on the others.
PER_URL = len(HOSTILE)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sw(django_db_setup, django_db_blocker):
    for world in module_world(django_db_blocker):
        add_flows(world)  # the matrix's flow objects, which its declarations name
        yield world


@pytest.fixture
def world(sw):
    sw.begin_test()
    return sw


def _get_urls():
    return [d for d in DECLARED if not d.post_only]


def _users(decl):
    """The roles that may use `decl` (the others are refused before a parameter is read)."""
    return [r for r in ROLES if r != "anonymous" and may_use(r, decl.roles)]


def _cases():
    for decl in _get_urls():
        for role in _users(decl):
            yield pytest.param(decl, role, id=f"{decl.name}-{role}")


def hostile_query(offset: int) -> dict:
    """Every parameter with a hostile value, the kinds turned by `offset` so that successive
    offsets give each parameter each kind."""
    return {name: HOSTILE[(i + offset) % len(HOSTILE)] for i, name in enumerate(PARAMS)}


def offsets(decl, role) -> range:
    """The offsets `role` asks `decl` with: the URL's `PER_URL` requests dealt round among
    its roles (at least one each)."""
    users = _users(decl)
    return range(users.index(role), max(PER_URL, len(users)), len(users))


@pytest.mark.parametrize("decl, role", list(_cases()))
def test_hostile_query_strings_never_answer_500(world, decl, role):
    if decl.prepare:
        decl.prepare(world)
    client = client_for(world, role, decl.api)
    url = url_of(decl, world, role, "in")
    for offset in offsets(decl, role):
        query = hostile_query(offset)
        response = client.get(url, query)
        assert response.status_code < 500, f"GET {decl.name} as {role} with {query}"


def test_each_parameter_gets_each_kind_on_every_url():
    for decl in _get_urls():
        users = _users(decl)
        seen = {name: set() for name in PARAMS}
        for role in users:
            for offset in offsets(decl, role):
                for name, value in hostile_query(offset).items():
                    seen[name].add(value)
        assert all(len(kinds) == len(HOSTILE) for kinds in seen.values()), decl.name


def test_the_walk_covers_the_get_urls():
    walked = {d.name for d in _get_urls()}
    assert "core:audit_list" in walked and "api-risk-point-list" in walked
    assert any(has_args(d) for d in _get_urls())


# The findings, one each ---------------------------------------------------------------------

INTEGER_FILTERS = {
    "api-department-list": ("organisation",),
    "api-post-list": ("organisation", "department"),
    "api-person-list": ("organisation", "department"),
    "api-power-list": ("organisation", "department"),
    "api-risk-point-list": ("organisation", "department", "post", "power"),
    "api-measure-list": ("organisation", "owner_person", "owner_department", "risk_point"),
}


@pytest.mark.parametrize("value", [HUGE, "-" + HUGE])
@pytest.mark.parametrize("name", list(INTEGER_FILTERS))
def test_api_integer_filters_refuse_numbers_no_id_can_be(world, name, value):
    client = client_for(world, "admin", api=True)
    for param in INTEGER_FILTERS[name]:
        response = client.get(reverse(name), {param: value})
        assert response.status_code == 400, f"{name}?{param}={value}"
        assert param in json.dumps(response.json(), ensure_ascii=False)


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"])
@pytest.mark.parametrize("param", ["since", "until"])
def test_audit_dates_outside_sense_are_a_form_error(world, param, value):
    response = client_for(world, "integrity", api=False).get(
        reverse("core:audit_list"), {param: value}
    )
    assert response.status_code == 200
    assert "日期须在 1900 年至 2100 年之间" in response.content.decode()


def test_audit_dates_inside_sense_still_filter(world):
    response = client_for(world, "integrity", api=False).get(
        reverse("core:audit_list"), {"since": "1900-01-01", "until": "2100-12-31"}
    )
    assert response.status_code == 200
    assert "日期须在" not in response.content.decode()


def _post_form(post, **changes):
    data = {
        "department": post.department_id or "",
        "name": post.name,
        "code": post.code,
        "rotation_years": post.rotation_years or "",
        "duties": post.duties,
    }
    return {**data, **changes}


@pytest.mark.parametrize("value", ["40000", HUGE])
def test_post_form_refuses_a_rotation_no_column_holds(world, value):
    post = world.target("post", "admin", "in")
    response = client_for(world, "admin", api=False).post(
        reverse("org:post_edit", kwargs={"pk": post.pk}),
        _post_form(post, rotation_years=value),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["rotation_years"]
    assert "请输入 0 至 32767 之间的整数。" in errors  # a PositiveSmallIntegerField's range
    assert Post.objects.get(pk=post.pk).rotation_years == post.rotation_years


def test_post_form_takes_the_largest_rotation_the_column_holds(world):
    post = world.target("post", "admin", "in")
    response = client_for(world, "admin", api=False).post(
        reverse("org:post_edit", kwargs={"pk": post.pk}), _post_form(post, rotation_years=32767)
    )
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).rotation_years == 32767


# Writes: numbers no column holds, dates that make no sense -----------------------------------

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# (number, date) put in every numeric and every date value of a write's form, in turn
WRITE_VALUES = (("40000", "9999-12-31"), (HUGE, "0001-01-01"), ("-" + HUGE, "1899-12-31"))


def _hostile_value(value, number, date):
    if isinstance(value, bool):
        return value
    if isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit()):
        return int(number) if isinstance(value, int) else number
    if isinstance(value, str) and DATE.match(value):
        return date
    if isinstance(value, list):
        return [_hostile_value(v, number, date) for v in value]
    return value


def _write_cases():
    for decl in DECLARED:
        if decl.data is None:
            continue
        writers = [r for r in _users(decl) if may_use(r, decl.write_roles or decl.roles)]
        if writers:
            yield pytest.param(decl, writers[0], id=f"{decl.name}-{writers[0]}")


@pytest.mark.parametrize("decl, role", list(_write_cases()))
def test_writes_with_numbers_and_dates_out_of_range_never_answer_500(world, decl, role):
    if decl.prepare:
        decl.prepare(world)
    client = client_for(world, role, decl.api)
    url = url_of(decl, world, role, "in")
    form_target = target(world, decl.obj, role, "in") if decl.obj else None
    for number, date in WRITE_VALUES:
        data = {
            key: _hostile_value(value, number, date)
            for key, value in decl.data(world, form_target, role).items()
        }
        response = send(client, decl, url, data)
        assert response.status_code < 500, f"{decl.method} {decl.name} as {role} with {data}"


@pytest.mark.parametrize("name", ["api-organisation-list", "api-power-list", "api-person-list"])
def test_api_text_filters_refuse_nul_characters(world, name):
    response = client_for(world, "admin", api=True).get(reverse(name), {"q": "a\x00b"})
    assert response.status_code == 400
    assert "q" in response.json()
