"""The person picker: people found by name, 工号 or the pinyin initials of their name, within
the searcher's scope, a bounded number in a fixed number of queries."""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianfang.core.widgets import SearchSelect
from lianfang.org import person_services, selectors
from lianfang.org.forms import person_select
from lianfang.org.models import Person
from lianfang.org.pinyin import name_initials
from tests.factories import make_person

SEARCH = reverse("org:person_search")


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("张三", "zs"),
        ("欧阳娜娜", "oynn"),
        ("李 Ming", "lm"),
        ("Anna Li", "al"),
        ("", ""),
    ],
)
def test_initials(name, initials):
    assert name_initials(name) == initials


def test_a_character_read_several_ways_gives_each_spelling():
    assert name_initials("曾国藩").split() == ["cgf", "zgf"]  # 曾 as a surname is zēng
    assert "sxx" in name_initials("单雄信").split()  # 单 as a surname is shàn
    assert len(name_initials("乐乐乐乐乐乐乐乐").split()) == 8  # at most MAX_SPELLINGS


def test_people_keep_their_initials_through_every_write(world):
    person = make_person(world.hospital, world.cardiology, "0501", "张三")
    assert person.name_initials == "zs"
    person_services.person_update(actor=world.users["admin"], person=person, data={"name": "李四"})
    assert Person.objects.get(pk=person.pk).name_initials == "ls"
    person.name = "刘五"
    person.save(update_fields=["name"])
    assert Person.objects.get(pk=person.pk).name_initials == "lw"


def test_the_bulk_writer_of_the_roster_import_sets_initials(world):
    written = person_services.people_write(
        actor=world.users["admin"],
        organisation=world.hospital,
        rows=[
            person_services.PersonRow({"staff_no": "0601", "name": "周星星"}, number=2),
            person_services.PersonRow({"name": "赵小医"}, person=world.colleague_person, number=3),
        ],
    )
    assert [w.created for w in written] == [True, False]
    assert Person.objects.get(staff_no="0601").name_initials == "zxx"
    assert Person.objects.get(pk=world.colleague_person.pk).name_initials == "zxy"


def test_the_data_migration_fills_existing_rows(world):
    from importlib import import_module

    migration = import_module("lianfang.org.migrations.0005_person_name_initials")
    Person.objects.update(name_initials="")
    migration.fill_initials(apps, None)
    assert Person.objects.get(pk=world.staff_person.pk).name_initials == "zys"  # 张医生


def names(response):
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


def test_search_by_initials_staff_number_and_name(world, login):
    client = login(world.users["admin"])
    assert names(client.get(SEARCH, {"q": "zys"})) == ["张医生", "赵医生"]  # both zys
    assert names(client.get(SEARCH, {"q": "ZYS"})) == ["张医生", "赵医生"]
    assert names(client.get(SEARCH, {"q": "cc"})) == ["陈采购"]
    assert names(client.get(SEARCH, {"q": "wfy"})) == ["王副院长"]
    assert names(client.get(SEARCH, {"q": "ys"})) == []  # initials match from the start
    assert names(client.get(SEARCH, {"q": "0102"})) == ["张医生"]
    assert names(client.get(SEARCH, {"q": "医生"})) == ["张医生", "赵医生"]
    assert names(client.get(SEARCH, {"q": "没有"})) == []
    assert names(client.get(SEARCH, {"q": "01\x0002"})) == ["张医生"]  # NUL dropped
    row = client.get(SEARCH, {"q": "0102"}).json()["results"][0]
    assert row == {
        "id": world.staff_person.pk,
        "text": "张医生（0102，心内科）",
        "name": "张医生",
        "staff_no": "0102",
    }


def test_search_is_scoped_like_the_person_list(world, login):
    assert names(login(world.users["outsider"]).get(SEARCH, {"q": "医生"})) == ["外院医生"]
    assert names(login(world.users["admin"]).get(SEARCH, {"q": "wyys"})) == []
    assert names(login(world.users["outsider"]).get(SEARCH, {"q": "0102"})) == []
    assert login(world.users["nobody"]).get(SEARCH, {"q": "zys"}).status_code == 403


def test_search_is_narrowed_as_the_form_asks(world, login):
    client = login(world.users["commission_integrity"])
    assert names(client.get(SEARCH, {"q": "医生"})) == ["张医生", "赵医生", "外院医生"]
    only = {"q": "医生", "organisation": world.other_hospital.pk}
    assert names(client.get(SEARCH, only)) == ["外院医生"]
    assert names(client.get(SEARCH, {"q": "医生", "unlinked": "1"})) == ["赵医生"]
    assert names(client.get(SEARCH, {"q": "", "department": world.procurement.pk})) == ["陈采购"]
    for junk in ("abc", "-1", "0", "99999999999999999999999", "１"):
        response = client.get(SEARCH, {"q": "医生", "organisation": junk})
        assert names(response) == ["张医生", "赵医生", "外院医生"]  # an id no row has: ignored


def test_search_answers_a_bounded_list_in_a_fixed_number_of_queries(world, login):
    client = login(world.users["admin"])
    client.get(SEARCH, {"q": "zs"})  # warm the per-process caches

    def queries(term):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(SEARCH, {"q": term})
        return len(captured), response.json()

    few, small = queries("zs")
    for i in range(30):
        make_person(world.hospital, world.finance, f"07{i:02d}", "张山")
    many, large = queries("zs")
    assert many == few
    assert len(large["results"]) == selectors.SEARCH_LIMIT and large["more"]
    assert small["more"] is False


def test_search_is_for_signed_in_users(db, client):
    assert client.get(SEARCH, {"q": "zs"}).status_code == 302


# --- the shared widget ---------------------------------------------------------------------


def test_a_short_list_is_rendered_whole_and_a_long_one_only_its_choice(world):
    from django import forms

    class PickForm(forms.Form):
        person = forms.ModelChoiceField(Person.objects.order_by("pk"), widget=person_select())

    short = str(PickForm()["person"])
    assert 'data-lf-search="/org/people/search/"' in short
    assert "张医生" in short and "data-lf-search-only" not in short
    PickForm.base_fields["person"].widget.full_list_max = 2
    chosen = PickForm({"person": world.colleague_person.pk})
    long = str(chosen["person"])
    assert 'data-lf-search-only="1"' in long
    assert "赵医生" in long and "张医生" not in long  # only the chosen option
    assert isinstance(chosen.fields["person"].widget, SearchSelect)
