"""The demo command's refusals, on an empty database (tests/demo/test_demo_command.py shares
one loaded demo between its tests)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from lianfang.org.models import Organisation

pytestmark = pytest.mark.django_db


def demo(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "args",
    [("--scale", "0"), ("--scale", "100"), ("--reset", "--if-empty"), ("--density", "sparse")],
)
def test_bad_options_are_refused(args):
    with pytest.raises(CommandError):
        demo(*args)
    assert not Organisation.objects.exists()
