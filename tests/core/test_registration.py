"""Apps register with core (core imports none of them): the scope resolver, the organisation
node of the audit chain, and the contributions to other apps' pages."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from lianfang.core import audit, extensions, scoping
from lianfang.core.extensions import Panel
from lianfang.core.models import AuditEvent
from lianfang.org.models import Organisation
from tests.factories import make_org


@pytest.mark.django_db
def test_the_organisation_app_computes_the_scope(world):
    scope = scoping.scope_of(world.users["integrity"])
    assert scope.subtree_paths == (world.hospital.path,)


def test_without_a_resolver_scoping_refuses_to_guess(monkeypatch, django_user_model):
    monkeypatch.setattr(scoping, "_resolve", None)
    user = django_user_model(username="someone", is_active=True)
    with pytest.raises(ImproperlyConfigured):
        scoping.scope_of(user)


@pytest.mark.django_db
def test_an_organisations_own_events_are_scoped_to_it(world):
    node = make_org("新建医院", "H9", world.commission)
    with transaction.atomic():
        audit.record(actor=world.users["admin"], action="organisation.update", obj=node)
    event = AuditEvent.objects.get(action="organisation.update")
    assert (event.organisation_id, event.organisation_path) == (node.pk, node.path)
    assert Organisation in audit._NODE_MODELS


def test_contributions_come_in_order_once_each(monkeypatch):
    monkeypatch.setattr(extensions, "_SLOTS", {})

    def late(request, **objects):
        return Panel(html="late")

    def early(request, **objects):
        return Panel(html=f"early {objects['n']}")

    def silent(request, **objects):
        return None

    extensions.contribute("page", late, order=20)
    extensions.contribute("page", early, order=10)
    extensions.contribute("page", early, order=10)
    extensions.contribute("page", silent, order=30)
    assert extensions.contributions("page") == [early, late, silent]
    assert [p.html for p in extensions.panels("page", None, n=1)] == ["early 1", "late"]
    assert extensions.panels("elsewhere", None) == []
