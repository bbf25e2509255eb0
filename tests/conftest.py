import pytest
from django.utils import translation

from tests.audit_triggers import audit_triggers_let_the_test_database_be_emptied  # noqa: F401
from tests.factories import PASSWORD, build_world, make_platform_admin


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def platform_admin(db):
    """The platform administrator (平台管理员): a superuser of no organisation."""
    return make_platform_admin()


@pytest.fixture
def login(client):
    """Sign a test client in as a user of the world."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(autouse=True)
def default_language(settings):
    """Every test starts in the platform's default language: a request made in English by an
    earlier test must not leave English active in this thread."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def jobs_run_by_the_test(settings, tmp_path):
    """Background jobs wait in the queue until a test runs them (`jobs.run_pending()`), in
    the test's own thread and transaction; their files, and the stored attachments, go to a
    folder of the test's (the suite runs in parallel processes: none may see another's files)."""
    settings.LIANFANG_JOBS = "worker"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path / "attachments"


@pytest.fixture(autouse=True)
def few_flow_matters(monkeypatch):
    # Every full demo load runs its power flows' matters through the services (demo/flows.py);
    # a test that loads the demo needs only a few (tests/demo/test_flows.py sets its own).
    from lianfang.demo import flows

    monkeypatch.setattr(flows, "INSTANCES", 30)


@pytest.fixture(autouse=True)
def few_satisfaction_answers(monkeypatch):
    # The full demo writes 20,000 patient answers (demo/satisfaction.py); the tests that load
    # the demo need a thousand (tests/demo/test_satisfaction.py sets its own).
    from lianfang.demo import satisfaction

    monkeypatch.setattr(satisfaction, "ANSWERS", 1000)


@pytest.fixture(autouse=True)
def few_complaints(monkeypatch):
    # The full demo files 300 complaints and takes each through its steps (demo/complaints.py);
    # the tests that load the demo need a few dozen (tests/demo/test_complaints.py sets its own).
    from lianfang.demo import complaints

    monkeypatch.setattr(complaints, "COMPLAINTS", 40)


@pytest.fixture(autouse=True)
def few_commitments(monkeypatch):
    # The full demo generates every staff member's commitment (demo/commitments.py); the tests
    # that load the demo generate a hundred, plus the ones its story signs.
    from lianfang.demo import commitments

    monkeypatch.setattr(commitments, "GENERATE_PEOPLE", 100)
