"""Schemathesis against the API's own schema: no request may make the API answer 500.

The schema the app serves at `/api/schema/` (drf-spectacular;
test_the_fuzzed_schema_is_the_served_one checks that it is the one fuzzed) is loaded
in-process, and every operation in it, reads and writes alike, is called through the WSGI
application with the API token of a service account of each role (系统管理员, 纪检监察, 领导,
部门负责人, 职工, granted on the hospital of tests/scope_world.py, the department head's on
心内科) and with no credentials at all. Schemathesis makes the requests in two phases:

- coverage: for every parameter and body field in turn, the wrong types, missing required
  fields, boundary lengths, each enum value, every media type, unexpected methods (~1,800
  requests, dealt in turn between the administrator and the department head);
- fuzzing: `READS` or `WRITES` requests per operation and caller of valid types and shapes,
  whose numbers and dates are half the time hostile values (`HOSTILE`: numbers no column
  holds, dates beyond sense) and whose texts sometimes are (NUL, zero-width and RTL marks,
  SQL-ish, very long).

Random ids mostly meet a 404 or "does not exist", so ids are seated on real rows:

- a coverage request names, in every id it does not test (the path's object, the id filters,
  the references in the body), a row the caller sees, and its blank texts are filled, so that
  the value under test gets past the lookups to the rules, the services and the database;
- a fuzzed request keeps its generated ids a quarter of the time, has them all replaced by
  ids of rows the caller sees half of the time, and by ids of any row of the world (so of
  other organisations too) a quarter (the flatmap hooks).

The requirement is schemathesis' `not_a_server_error`: no response >= 500, whatever the status
otherwise (400, 403, 404 …). A 500's traceback is attached to the failure, with a curl command
that repeats the request. Bodies no schema describes (deep JSON, wrong charsets, broken
multipart) are sent to every write by hand (`RAW_BODIES`).

Each request runs in a savepoint rolled back after it, so every request meets the same world,
and the module's world is rolled back at the end (tests/scope_world.py). Hypothesis runs with
a fixed seed per caller and without its example database, so CI sends the same requests on
every run.
"""

import json
import os
import re
import traceback
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest
import schemathesis
import werkzeug.test
from django.core.signals import got_request_exception, request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase

from lianfang.accounts import api_tokens
from lianfang.accounts import services as account_services
from lianfang.core.roles import Role
from lianfang.core.scoping import visible_to
from lianfang.flows import services as flow_services
from lianfang.flows.models import FlowDefinition, Instance, Task
from lianfang.org.models import Department, Organisation, Person, Post, Power, PowerStep
from lianfang.risks import permissions
from lianfang.risks.models import Measure, RiskPoint
from tests.scope_world import module_world
from tests.test_scope_matrix import client_for

pytestmark = [
    pytest.mark.django_db,
    # Nobody signed in sends generated session cookies, some longer than a browser keeps.
    pytest.mark.filterwarnings("ignore:The 'sessionid' cookie is too large"),
]

APP = get_wsgi_application()

# The service accounts, by the role granted to each.
ROLES = {
    "admin": Role.ADMIN,
    "integrity": Role.INTEGRITY,
    "leader": Role.LEADER,
    "dept_head": Role.DEPT_HEAD,
    "staff": Role.STAFF,
}
CALLERS = (*ROLES, "anonymous")

# Which model an id names: the path's {id} by the collection, filters and body fields by name.
COLLECTIONS = {
    "/api/org/organisations/": Organisation,
    "/api/org/departments/": Department,
    "/api/org/people/": Person,
    "/api/org/posts/": Post,
    "/api/org/powers/": Power,
    "/api/risks/points/": RiskPoint,
    "/api/risks/measures/": Measure,
    "/api/flows/instances/": Instance,
    "/api/flows/tasks/": Task,
    "/api/flows/definitions/": FlowDefinition,
}
FIELDS = {
    "organisation": Organisation,
    "department": Department,
    "owner_department": Department,
    "owner_person": Person,
    "post": Post,
    "power": Power,
    "step": PowerStep,
    "risk_point": RiskPoint,
    "risk_points": RiskPoint,
    "definition": FlowDefinition,
    "transfer_to": Person,
}
# The integers of the requests that name no row (test_every_integer_of_the_schema_is_known).
NUMBERS = {"page", "level", "likelihood", "harm", "expected_version"}
# Fuzzed requests per operation and caller, on top of the coverage phase's: the writes get
# more, as more lies behind them (the rules, the services, the database); the leader's and
# the staff member's service accounts, which see no risk point, and nobody signed in, fewer.
# LIANFANG_FUZZ_SCALE multiplies them, LIANFANG_FUZZ_SEED changes the requests: for a deeper
# run by hand (docs/architecture.md); CI runs the defaults.
SCALE = int(os.environ.get("LIANFANG_FUZZ_SCALE", "1"))
READS, WRITES = 8 * SCALE, 40 * SCALE
FEWER = {"leader": 10 * SCALE, "staff": 10 * SCALE, "anonymous": 5 * SCALE}
# The callers the coverage phase's requests (~2,000, the same whoever sends them) are dealt
# between: the administrator, who may take every action in the hospital, and the department
# head, whose writes are narrower (their own department's drafts; 403s). The integrity
# office may do what the administrator may, and the leader's and the staff member's service
# accounts hold no post, so they see no risk point to write to.
COVERAGE_CALLERS = ("admin", "dept_head")
SEED = int(os.environ.get("LIANFANG_FUZZ_SEED", "20260516"))
# Values the fuzzing phase puts in the numbers, dates and texts it generates (where the schema
# allows them): numbers no column holds, dates beyond sense, characters that trip databases.
HOSTILE = {
    "numbers": [2**15, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 10**20, -1, -(2**63) - 1],
    "dates": ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"],
    "texts": [
        "99999999999999999999",
        "9999-12-31",
        "\u200b风险\u200d\u202e𝔘\ufeff",
        "' OR 1=1 --",
        "a\x00b",
        "长" * 1000,
    ],
}

# The schema as /api/schema/ serves it (test_the_fuzzed_schema_is_the_served_one).
SCHEMA = SchemaGenerator().get_schema(request=None, public=True)


def _inputs(schema: dict):
    """(location, name, its schema) of every query parameter and request body field."""

    def resolve(node):
        while "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
        return node

    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    yield "query", parameter["name"], resolve(parameter.get("schema", {}))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                for name, node in resolve(content["schema"]).get("properties", {}).items():
                    yield "body", name, resolve(node)


def _bindings(schema: dict) -> dict:
    """Every number that is no id (`NUMBERS`; the ids are seated on rows, below) and every
    date of the requests gets a hostile value half the times it is generated."""
    bindings = {}
    for location, name, node in _inputs(schema):
        if node.get("type") == "integer" and name in NUMBERS:
            bindings[f"{location}.{name}"] = {"dictionary": "hostile-numbers", "probability": 0.5}
        elif node.get("format") == "date":
            bindings[f"{location}.{name}"] = {"dictionary": "hostile-dates", "probability": 0.5}
    return bindings


CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "dictionaries": {f"hostile-{kind}": {"values": v} for kind, v in HOSTILE.items()},
        "parameters": _bindings(SCHEMA),
        "generation": {
            "mode": "all",
            "max-examples": READS,
            "dictionaries": {
                "integer": {"dictionary": "hostile-numbers", "probability": 0.2},
                "string": {"dictionary": "hostile-texts", "probability": 0.2},
            },
        },
        "operations": [
            {"include-method": ["POST", "PATCH"], "generation": {"max-examples": WRITES}},
        ],
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            # Coverage sends the wrong types and shapes; fuzzing, values of the right type
            # that might still get past the parsing to the rules and the database.
            "fuzzing": {"enabled": True, "generation": {"mode": "positive"}},
            "stateful": {"enabled": False},
        },
    }
)
schema = schemathesis.openapi.from_dict(SCHEMA, config=CONFIG)

MODELS = {*COLLECTIONS.values(), *FIELDS.values()}
# The statuses answered, by (caller, operation): what test_the_fuzz_got_past_the_lookups reads.
ANSWERS: dict[tuple[str, str], Counter] = defaultdict(Counter)


class Ids:
    """Ids of the world's rows: `seen[caller][model]` those the caller sees (organisations:
    also those where it may register), `every[model]` all of them. Filled with the world."""

    seen: dict[str, dict[type, list[int]]] = {}
    every: dict[type, list[int]] = {}
    caller = "anonymous"  # whose test is running (the hooks read it)


def _model_of_path(path: str) -> type | None:
    return next((m for p, m in COLLECTIONS.items() if path.startswith(p)), None)


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _replaced(values: dict, model_of, ids_of) -> st.SearchStrategy:
    """`values` with each id (or list of ids) whose model `model_of` names replaced by one of
    `ids_of(model)`."""
    choices = {}
    for name, value in values.items():
        model = model_of(name)
        ids = ids_of(model) if model else None
        if not ids:
            choices[name] = st.just(value)
        elif isinstance(value, list):
            choices[name] = st.lists(st.sampled_from(ids), max_size=3, unique=True)
        else:
            choices[name] = st.sampled_from(ids)
    return st.fixed_dictionaries(choices)


def _seated(values, model_of) -> st.SearchStrategy:
    """`values` as generated (a quarter of the time), with ids of rows the caller sees (a
    half), with ids of any row of the world (a quarter)."""
    if not isinstance(values, dict) or not any(model_of(name) for name in values):
        return st.just(values)
    seen = _replaced(values, model_of, Ids.seen.get(Ids.caller, {}).get)
    return st.one_of(st.just(values), seen, seen, _replaced(values, model_of, Ids.every.get))


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    model = _model_of_path(context.operation.path)
    return _seated(path_parameters, lambda name: model if name == "id" else None)


@schema.hook
def flatmap_query(context, query):
    return _seated(query, FIELDS.get)


@schema.hook
def flatmap_body(context, body):
    return _seated(body, FIELDS.get)


FILLER = "门诊处方每周抽查"  # for the blank texts a coverage request does not test
# The body field a coverage request tests: "likelihood: Incorrect type", "criteria -> Array
# with invalid items: …", "Object with valid 'status' value: …".
TESTED_FIELD = re.compile(r"^(\w+)(?::| ->)|'(\w+)'")


def seat_coverage_case(case, caller) -> None:
    """In a coverage request, the ids the request does not test name a row `caller` sees
    (picked by the request's description, so the same on every run), and the texts it leaves
    blank are filled, so the value under test gets past the lookups to the rules."""
    meta = case.meta
    if meta is None or meta.phase.name != TestPhase.COVERAGE:
        return
    data = meta.phase.data
    seen = Ids.seen.get(caller, {})
    salt = zlib.crc32(data.description.encode())

    def pick(model):
        ids = seen.get(model)
        return ids[salt % len(ids)] if ids else None

    def seat(values, tested):
        for name, value in list(values.items()):
            if name in tested or name not in FIELDS or (chosen := pick(FIELDS[name])) is None:
                continue
            if _is_id(value):
                values[name] = chosen
            elif isinstance(value, list) and value and all(_is_id(v) for v in value):
                values[name] = [chosen]

    location = data.parameter_location
    if location != ParameterLocation.PATH and "id" in case.path_parameters:
        if (chosen := pick(_model_of_path(case.operation.path))) is not None:
            case.path_parameters["id"] = chosen
    if case.query:
        seat(case.query, {data.parameter} if location == ParameterLocation.QUERY else set())
    if isinstance(case.body, dict):
        match = TESTED_FIELD.search(data.description or "")
        tested = {g for g in match.groups() if g} if match else set()
        seat(case.body, tested)
        for name, value in list(case.body.items()):
            if value == "" and name not in tested:
                case.body[name] = FILLER


def _service_accounts(sw) -> dict[str, dict]:
    """A service account per role, its token as request headers (none for anonymous)."""
    admin = sw.users["admin"]
    headers = {"anonymous": {}}
    accounts = {}
    for name, role in ROLES.items():
        account = api_tokens.service_account_create(
            actor=admin, username=f"fuzz-{name}", organisation=sw["hospital"]
        )
        account_services.role_grant(
            actor="cli:fuzz",  # the operator's command line: a security administrator's act
            user=account,
            role=role,
            organisation=sw["hospital"],
            department=sw["cardiology"] if role == Role.DEPT_HEAD else None,
        )
        key = api_tokens.api_token_issue(actor=admin, user=account)
        headers[name] = {"Authorization": f"Token {key}"}
        accounts[name] = account
    _flows(sw, accounts)
    for name, account in accounts.items():
        Ids.seen[name] = _ids_seen_by(account)
    return headers


FUZZ_FLOW = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:lianfang="http://lianfang.org/schema/bpmn/1" id="d" targetNamespace="http://x">
<bpmn:process id="fuzz_flow" name="接口测试流程" isExecutable="true">
<bpmn:extensionElements>
  <lianfang:field name="item" label="事项" type="text"/>
  <lianfang:field name="amount" label="金额" type="amount"/>
  <lianfang:field name="who" label="当事人" type="person"/>
</bpmn:extensionElements>
<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="check"/>
<bpmn:userTask id="check" name="确认" lianfang:handler="applicant"/>
<bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="e"/><bpmn:endEvent id="e"/>
</bpmn:process></bpmn:definitions>"""


def _flows(sw, accounts) -> None:
    """A flow of the hospital, and an instance started by each coverage caller's account,
    whose one task waits for it (the rule `applicant`): the flows' reads and acts get past
    their lookups."""
    version = flow_services.definition_publish(
        actor=None, organisation=sw["hospital"], code="fuzz_flow", bpmn=FUZZ_FLOW
    )
    for name in COVERAGE_CALLERS:
        flow_services.instance_start(
            actor=accounts[name], version=version, data={"item": "接口测试", "amount": "1万"}
        )


def _ids(queryset) -> list[int]:
    return sorted(queryset.values_list("pk", flat=True).distinct())


def _ids_seen_by(user) -> dict[type, list[int]]:
    seen = {model: _ids(visible_to(user, model)) for model in MODELS if model is not PowerStep}
    seen[Organisation] = sorted(
        {*seen[Organisation], *_ids(permissions.creatable_organisations(user))}
    )
    seen[PowerStep] = _ids(PowerStep.objects.filter(power__in=seen[Power]))
    return seen


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """The scope world with the service accounts; `Ids` filled from it."""
    for sw in module_world(django_db_blocker):
        with django_db_blocker.unblock():
            headers = _service_accounts(sw)
            Ids.every = {model: _ids(model.objects.all()) for model in MODELS}
        yield sw, headers
        Ids.seen, Ids.every = {}, {}


@pytest.fixture(scope="module")
def requests_keep_the_test_transaction():
    """The WSGI handler closes the connection after each request (Django's
    `close_old_connections`), which would end the test's transaction; Django's test client
    disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@dataclass
class Fuzz:
    """One test's caller, its request headers, the tracebacks of the app's errors, and how
    many coverage requests it has been dealt."""

    caller: str
    headers: dict
    errors: list = field(default_factory=list)
    coverage_cases: int = 0

    def takes(self, case) -> bool:
        """Whether this caller sends `case`: a fuzzed request always; the coverage phase's
        requests are dealt in turn among COVERAGE_CALLERS (each caller's test meets them in
        the same order)."""
        if case.meta is None or case.meta.phase.name != TestPhase.COVERAGE:
            return True
        turn = self.coverage_cases % len(COVERAGE_CALLERS)
        self.coverage_cases += 1
        return COVERAGE_CALLERS[turn] == self.caller


@pytest.fixture
def fuzz(request, fuzz_world, requests_keep_the_test_transaction):
    sw, headers = fuzz_world
    sw.begin_test()
    fuzz = Fuzz(request.function.caller, headers[request.function.caller])
    Ids.caller = fuzz.caller

    def _record(sender, **kwargs):
        fuzz.errors.append(traceback.format_exc())

    got_request_exception.connect(_record)
    yield fuzz
    got_request_exception.disconnect(_record)
    Ids.caller = "anonymous"


def as_a_server_delivers_headers(case) -> None:
    """Header values as an HTTP server hands them to a WSGI application: the bytes sent (UTF-8
    here) decoded as Latin-1 (PEP 3333). Werkzeug's test client would pass a generated "长"
    through as it is, which no server can deliver, and DRF's token authentication, which
    encodes the header to Latin-1, would fail on what no client can send."""
    for name, value in list((case.headers or {}).items()):
        if isinstance(value, str):
            case.headers[name] = value.encode("utf-8", "surrogatepass").decode("latin-1")


def send(case, fuzz: Fuzz):
    """Call the app with `case` as the fuzz's caller, in a savepoint rolled back after it;
    no server error."""
    if not fuzz.takes(case):
        return None
    seat_coverage_case(case, fuzz.caller)
    as_a_server_delivers_headers(case)
    fuzz.errors.clear()
    with transaction.atomic():
        response = case.call(app=APP, headers=fuzz.headers)
        transaction.set_rollback(True)
    ANSWERS[fuzz.caller, case.operation.label][response.status_code] += 1
    try:
        case.validate_response(response, checks=[not_a_server_error])
    except Exception as failure:
        for error in fuzz.errors:
            failure.add_note(error)
        raise
    return response


def _test_as(caller: str, index: int):
    phases = list(Phase) if caller in COVERAGE_CALLERS else [Phase.generate, Phase.shrink]
    # Without a count of its own, a caller gets the configuration's (READS, WRITES).
    fewer = {"max_examples": FEWER[caller]} if caller in FEWER else {}

    @schema.parametrize()
    @hypothesis_seed(SEED + index)
    @hypothesis_settings(
        phases=phases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        **fewer,
    )
    def test(case, fuzz):
        send(case, fuzz)

    test.caller = caller
    test.__name__ = test.__qualname__ = f"test_no_server_error_as_{caller}"
    return test


for _index, _caller in enumerate(CALLERS):
    globals()[f"test_no_server_error_as_{_caller}"] = _test_as(_caller, _index)


# Bodies no schema describes, so schemathesis never sends them: what a broken client or an
# attacker sends instead of the media type it declares.
RAW_BODIES = (
    ("application/json", b"[" * 100_000),
    ("application/json", b'{"name": "x", "criteria": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"),
    ("application/json", b'{"name": "\\ud800", "reason": "\\udfff"}'),
    ("application/json", b'{"likelihood": 1e400, "due": "2024-02-30"}'),
    ("application/json; charset=utf-16", b"\xff\xfe{"),
    ("application/json; charset=nope", b'{"name": "x"}'),
    ("application/x-www-form-urlencoded", b"name=%FF%FE&reason=%ED%A0%80"),
    ("multipart/form-data; boundary=b", b"garbage"),
    (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\n\xff\r\n--b--\r\n',
    ),
    ("text/plain", b"name=x"),
)
WRITES_OF_THE_SCHEMA = [
    (method.upper(), path)
    for path, operations in SCHEMA["paths"].items()
    for method in operations
    if method != "get"
]


@pytest.mark.parametrize("method, path", WRITES_OF_THE_SCHEMA)
@pytest.mark.parametrize("caller", COVERAGE_CALLERS)
def test_raw_bodies_never_answer_500(
    fuzz_world, requests_keep_the_test_transaction, caller, method, path
):
    _sw, headers = fuzz_world
    if "{id}" in path:
        path = path.replace("{id}", str(Ids.seen[caller][_model_of_path(path)][0]))
    client = werkzeug.test.Client(APP)
    for content_type, body in RAW_BODIES:
        with transaction.atomic():
            response = client.open(
                path,
                method=method,
                data=body,
                headers={**headers[caller], "Content-Type": content_type},
            )
            transaction.set_rollback(True)
        assert response.status_code < 500, (content_type, body[:40], response.get_data()[:300])


def test_the_fuzz_got_past_the_lookups(capsys):
    """The requests above reached the views' work, not only their refusals: every read and
    every write on an object answered 2xx at least once for the administrator's account,
    and a create at least answered 400 (its rules: a create needs a consistent set of
    references no generator guesses). Run alone, there is nothing to look at."""
    if not ANSWERS:
        pytest.skip("the fuzz tests did not run in this session")
    operations = {label for _caller, label in ANSWERS}
    as_admin = {label for caller, label in ANSWERS if caller == "admin"}
    reached = {
        label
        for label in as_admin
        if any(200 <= status < 300 for status in ANSWERS["admin", label])
    }
    creates = {label for label in as_admin if label.startswith("POST") and "{" not in label}
    # The review chain's actions succeed only in a state the scope world does not set up (a
    # submission waiting at the caller's level, a filed point of the caller's own) or for the
    # integrity office alone (direct filing): the administrator's calls reach their refusals.
    chain = {
        f"POST /api/risks/points/{{id}}/{action}/"
        for action in ("return", "request-change", "file-directly", "skip", "approve")
    }
    assert as_admin - creates - chain <= reached
    assert all(ANSWERS["admin", label][400] for label in creates)
    anonymous = [ANSWERS[caller, label] for caller, label in ANSWERS if caller == "anonymous"]
    assert all(set(statuses) <= {401, 403, 404} for statuses in anonymous)
    answered = Counter()
    for statuses in ANSWERS.values():
        answered.update(statuses)
    total, errors = answered.total(), sum(n for status, n in answered.items() if status >= 500)
    with capsys.disabled():
        print(f"\nschemathesis: {total} requests, {len(operations)} operations, {errors} >= 500")


def test_the_fuzzed_schema_is_the_served_one(fuzz_world):
    """What the fuzz generates from is what /api/schema/ serves to an API client."""
    sw, _headers = fuzz_world
    # A signed-in person's session: the schema page is a page (role_required), which an API
    # token does not open.
    response = client_for(sw, "admin", api=True).get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content) == json.loads(json.dumps(SCHEMA))


def test_every_integer_of_the_schema_is_known():
    """A new endpoint says which rows its path's ids name (COLLECTIONS), a new field which
    rows its ids name (FIELDS) or that it is a plain number (NUMBERS); else its ids would
    stay random and the fuzz would stop at 404 and "does not exist"."""
    assert all(_model_of_path(path) for path in SCHEMA["paths"] if "{id}" in path)
    integers = {
        name
        for _location, name, node in _inputs(SCHEMA)
        if "integer" in (node.get("type"), node.get("items", {}).get("type"))
    }
    assert integers <= FIELDS.keys() | NUMBERS, integers - FIELDS.keys() - NUMBERS
