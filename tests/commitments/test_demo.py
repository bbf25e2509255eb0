"""The demo's commitments: loaded through the services into a small demo (tests/conftest.py)."""

import pytest
from django.utils import timezone

from lianfang.commitments import selectors, services
from lianfang.commitments.models import Commitment
from lianfang.core.models import Warning
from lianfang.demo.services import demo_load
from lianfang.org.models import Organisation


@pytest.mark.django_db(transaction=False)
def test_the_demo_has_signed_and_stale_commitments():
    demo_load(scale=1)
    hospital = Organisation.objects.get(code="SL-H01")
    year = timezone.localdate().year
    signed = Commitment.objects.filter(organisation=hospital, state=Commitment.State.SIGNED)
    assert signed.count() >= 5
    assert all(services.verify_signature(c) for c in signed)
    assert signed.filter(kind=Commitment.Kind.DEPARTMENTAL, published_at__isnull=False).exists()
    submitted = Commitment.objects.filter(organisation=hospital, state=Commitment.State.SUBMITTED)
    assert submitted.count() == 1  # (the small second unit has its own waiting)
    rows = selectors.due_people([hospital.pk], year)
    stale = [r for r in rows if r.status == selectors.STALE]
    assert len(stale) == 2
    keys = set(Warning.objects.filter(source="commitments").values_list("key", flat=True))
    assert {r.key for r in stale} <= keys
