"""Module rows follow the installed apps: created after migrate, never for an absent app."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from lianfang.core.models import Column, Module
from lianfang.core.navigation import ColumnSpec, ModuleSpec, declarations
from lianfang.core.services import modules_sync
from tests.audit_triggers import tampering

pytestmark = pytest.mark.django_db

BULLETIN = ModuleSpec(
    "bulletin",
    "公告栏",
    "Bulletin board",
    "megaphone",
    85,
    columns=(ColumnSpec("notices", "通知公告", "Notices", 50, public=True),),
)


INSTALLED = {
    "dashboard",
    "org",
    "risks",
    "flows",
    "portal",
    "content",
    "complaints",
    "satisfaction",
    "campaigns",
    "commitments",
    "assessments",
    "exchange",
    "audit",
    "warnings",
    "maintenance",
}


def rows():
    return set(Module.objects.values_list("code", flat=True))


def test_every_installed_module_has_its_row_and_no_other_module_has_one():
    assert rows() == {spec.code for spec in declarations().modules}
    assert rows() == INSTALLED
    org = Module.objects.get(code="org")
    assert (org.name, org.name_en, org.icon, org.order, org.enabled) == (
        "组织与人员",
        "Organisation and people",
        "diagram-3",
        20,
        True,
    )


def test_sync_creates_a_declared_module_with_its_columns_once():
    modules_sync(specs=(BULLETIN,))
    modules_sync(specs=(BULLETIN,))
    module = Module.objects.get(code="bulletin")
    assert (module.name, module.name_en, module.icon, module.order) == (
        "公告栏",
        "Bulletin board",
        "megaphone",
        85,
    )
    column = Column.objects.get(module=module)
    assert (column.code, column.title, column.title_en, column.order, column.public) == (
        "notices",
        "通知公告",
        "Notices",
        50,
        True,
    )


def test_sync_keeps_the_administrators_switch_and_column_edits():
    modules_sync(specs=(BULLETIN,))
    Module.objects.filter(code="bulletin").update(enabled=False)
    Column.objects.filter(code="notices").update(title="通知与公告", visible=False)
    renamed = ModuleSpec("bulletin", "公告", "Notices board", "bell", 86, columns=BULLETIN.columns)
    modules_sync(specs=(renamed,))
    module = Module.objects.get(code="bulletin")
    # The declaration owns the name, icon and order; the administrator owns the switch.
    assert (module.name, module.name_en, module.icon, module.order) == (
        "公告",
        "Notices board",
        "bell",
        86,
    )
    assert module.enabled is False
    column = Column.objects.get(code="notices")
    assert (column.title, column.visible) == ("通知与公告", False)


def test_sync_removes_nothing():
    modules_sync(specs=(BULLETIN,))
    modules_sync(specs=())
    assert "bulletin" in rows()


def test_the_migration_removes_the_rows_of_modules_no_installed_app_declares():
    # As an old seed left them: a bulletin board no app declares, with a column.
    board = Module.objects.create(code="board", name="公开栏目", order=85)
    Column.objects.create(module=board, code="news", title="防控工作动态")
    Module.objects.filter(code="org").update(enabled=False)
    migration = importlib.import_module("lianfang.core.migrations.0007_remove_modules_without_app")
    migration.remove_modules_without_app(apps, SimpleNamespace(connection=connection))
    assert rows() == INSTALLED
    assert not Column.objects.filter(code="news").exists()
    assert Module.objects.get(code="org").enabled is False


@pytest.mark.django_db(transaction=True)
def test_rows_come_back_after_a_flush():
    # Browser tests flush every table after each test; the rows must not stay gone. (On
    # PostgreSQL the audit tables refuse TRUNCATE: the tests flush with triggers off.)
    with tampering():
        call_command("flush", interactive=False, verbosity=0)
    assert rows() == INSTALLED
