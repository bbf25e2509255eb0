import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The demo hashes its password once per load; argon2 would dominate these tests' time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def few_flow_matters(monkeypatch):
    # Every full demo load runs its power flows' matters through the services (demo/flows.py);
    # tests of other parts of the demo need only a few (tests/demo/test_flows.py sets its own).
    from lianfang.demo import flows

    monkeypatch.setattr(flows, "INSTANCES", 30)


@pytest.fixture(autouse=True)
def few_satisfaction_answers(monkeypatch):
    # The full demo writes 20,000 patient answers (demo/satisfaction.py); the tests of other
    # parts of the demo need a thousand (tests/demo/test_satisfaction.py sets its own).
    from lianfang.demo import satisfaction

    monkeypatch.setattr(satisfaction, "ANSWERS", 1000)
