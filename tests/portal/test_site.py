"""The public site: who sees it, what it shows, caching, headers, and the crawl that proves no
internal object is reachable through it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from lianfang.core.models import Module, ModuleSetting
from lianfang.portal import caching, columns, services
from lianfang.portal.models import PortalColumn, PortalSite

from . import world as demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return demo.build()


def anonymous():
    return Client()


def home_url(w):
    return reverse("portal:home", args=[w["hospital"].code])


def column_url(w, code):
    return reverse("portal:column", args=[w["hospital"].code, code])


def test_turning_the_site_on_creates_the_default_columns_once(w):
    codes = list(
        PortalColumn.objects.filter(organisation=w["hospital"]).values_list("name", flat=True)
    )
    assert codes == [name for _code, name, _kind, _roles in columns.DEFAULT_COLUMNS]
    column = PortalColumn.objects.get(organisation=w["hospital"], code="news")
    services.column_update(actor=w["admin"], column=column, data={"name": "本院新闻"})
    assert services.columns_ensure_defaults(actor=w["admin"], organisation=w["hospital"]) == []
    assert PortalColumn.objects.filter(organisation=w["hospital"]).count() == 11
    assert PortalColumn.objects.get(pk=column.pk).name == "本院新闻"


def test_pages_are_rendered_once_per_max_age_and_site_state(w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = anonymous()
    url = column_url(w, "power-holders")
    first = client.get(url)
    with CaptureQueriesContext(connection) as again:
        second = client.get(url)
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert len(again) == 0  # the site's state and the page come from the cache
    services.site_update(actor=w["admin"], organisation=w["hospital"], data={"title": "新标题"})
    assert "新标题" in client.get(url).content.decode()  # the site changed: rendered again


def test_a_closed_site_and_a_module_switched_off_answer_404(w):
    client = anonymous()
    assert client.get(reverse("portal:home", args=[w["other"].code])).status_code == 404
    assert client.get(reverse("portal:home", args=["nope"])).status_code == 404
    assert client.get(home_url(w)).status_code == 200
    ModuleSetting.objects.create(
        organisation=w["hospital"], module=Module.objects.get(code="portal"), enabled=False
    )
    # the cache remembers an open site for its max_age (as nginx does its pages)
    assert client.get(home_url(w)).status_code == 200
    caching.forget(w["hospital"].code)
    assert client.get(home_url(w)).status_code == 404
    assert client.get(column_url(w, "catalogue")).status_code == 404


def test_the_home_page_lists_each_column(w):
    response = anonymous().get(home_url(w))
    html = response.content.decode()
    assert "市第一人民医院院务公开" in html
    assert "公开透明，接受监督" in html
    assert "物资设备采购" in html  # the catalogue's latest
    assert "2026年中层干部选拔任用结果公示" in html  # the results' latest
    for _code, name, _kind, _roles in columns.DEFAULT_COLUMNS:
        assert name in html


def test_a_column_of_a_kind_no_app_registered_is_under_construction(w):
    PortalColumn.objects.filter(organisation=w["hospital"], code="news").update(kind="nobody")
    response = anonymous().get(column_url(w, "news"))
    assert response.status_code == 200
    assert "栏目建设中" in response.content.decode()
    assert anonymous().get(column_url(w, "news") + "5/").status_code == 404


def test_power_holders_show_the_leaders_and_what_they_are_in_charge_of(w):
    html = anonymous().get(column_url(w, "power-holders")).content.decode()
    assert "王建国" in html and "李红梅" in html
    assert "副院长" in html and "分管" in html and "采购中心" in html
    assert "2022年7月起任职" in html
    assert "负责全院物资集中采购" in html
    assert demo.SECRET_PHONE not in html  # no phone numbers by default
    assert html.index("王建国") < html.index("李红梅")  # the principal leader first
    assert "退休领导" not in html
    photo = reverse("portal:leader_photo", args=[w["hospital"].code, w["vice"].pk])
    assert photo in html
    response = anonymous().get(photo)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_which_fields_show_is_the_organisations_choice(w):
    from lianfang.core.models import OrgSetting

    OrgSetting.objects.create(
        organisation=w["hospital"], key="portal.leader_fields", value=["post", "phone"]
    )
    html = anonymous().get(column_url(w, "power-holders")).content.decode()
    assert demo.SECRET_PHONE in html
    assert "起任职" not in html
    photo = reverse("portal:leader_photo", args=[w["hospital"].code, w["vice"].pk])
    assert photo not in html
    assert anonymous().get(photo).status_code == 404


def test_the_catalogue_shows_public_powers_with_steps_and_published_risks(w):
    html = anonymous().get(column_url(w, "catalogue")).content.decode()
    assert "物资设备采购" in html and "内部干部考察" not in html
    url = reverse("portal:item", args=[w["hospital"].code, "catalogue", w["procurement"].pk])
    assert url in html
    detail = anonymous().get(url).content.decode()
    for text in (
        "政府采购法",
        "采购中心",
        "供应商遴选",
        "30 天",
        "供应商遴选中的利益输送",
        "评分细则由三人以上集体制定",
        "流程图待发布",
    ):
        assert text in detail, text
    assert "未发布的草稿风险点" not in detail
    assert demo.SECRET_MANIFESTATION not in detail


def test_a_flow_app_fills_the_flow_chart_slot(w):
    def chart(power):
        return "<svg data-chart='1'></svg>" if power.code == "QL-CG-01" else None

    columns.register_power_chart(chart)
    try:
        url = reverse("portal:item", args=[w["hospital"].code, "catalogue", w["procurement"].pk])
        html = anonymous().get(url).content.decode()
        assert "<svg data-chart='1'></svg>" in html
        assert "流程图待发布" not in html
    finally:
        columns._POWER_CHARTS.remove(chart)


def test_risk_points_filter_by_department_and_level(w):
    url = column_url(w, "risk-points")
    html = anonymous().get(url).content.decode()
    assert "供应商遴选中的利益输送" in html
    assert "未发布的草稿风险点" not in html and "内部事项风险点" not in html
    assert "一级" in html
    assert "供应商遴选中的利益输送" not in anonymous().get(url + "?level=3").content.decode()
    other = f"{url}?department={w['office'].pk}"
    assert "供应商遴选中的利益输送" not in anonymous().get(other).content.decode()
    mine = f"{url}?department={w['purchase'].pk}&level=1"
    assert "供应商遴选中的利益输送" in anonymous().get(mine).content.decode()
    for bad in ("?level=x", "?department=-1", "?department=99999999999999999999999"):
        assert anonymous().get(url + bad).status_code == 200


def test_results_show_publication_records_only(w):
    html = anonymous().get(column_url(w, "results")).content.decode()
    assert "干部选拔任用" in html
    assert "2026年中层干部选拔任用结果公示" in html
    assert "已撤回的结果" not in html
    item = reverse("portal:item", args=[w["hospital"].code, "results", w["result"].pk])
    assert "拟任用张三为采购中心副主任" in anonymous().get(item).content.decode()
    gone = reverse("portal:item", args=[w["hospital"].code, "results", w["withdrawn"].pk])
    assert anonymous().get(gone).status_code == 404


# Caching and headers ------------------------------------------------------------------------


def test_anonymous_pages_are_cacheable_and_answer_304(w):
    client = anonymous()
    for url in (home_url(w), column_url(w, "risk-points"), column_url(w, "power-holders")):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=300", url
        assert "Cookie" in response["Vary"]
        etag = response["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    response = client.get(column_url(w, "risk-points"))
    since = response["Last-Modified"]
    assert client.get(column_url(w, "risk-points"), HTTP_IF_MODIFIED_SINCE=since).status_code == 304


def test_the_cache_time_is_the_organisations_setting(w):
    from lianfang.core.models import OrgSetting

    OrgSetting.objects.create(organisation=w["hospital"], key="portal.max_age", value=60)
    assert anonymous().get(home_url(w))["Cache-Control"] == "public, max-age=60"


def test_signed_in_users_get_no_store(w):
    client = Client()
    client.force_login(w["admin"])
    response = client.get(home_url(w))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def portal_urls(w):
    """Every URL of the site for the demo-like world: the pages, their filters, items, photos."""
    code = w["hospital"].code
    urls = [reverse("portal:index"), "/", home_url(w)]
    for column in PortalColumn.objects.filter(organisation=w["hospital"]):
        urls.append(column_url(w, column.code))
    urls += [
        column_url(w, "risk-points") + f"?department={w['purchase'].pk}&level=1",
        column_url(w, "catalogue") + f"?department={w['purchase'].pk}",
        reverse("portal:item", args=[code, "catalogue", w["procurement"].pk]),
        reverse("portal:item", args=[code, "results", w["result"].pk]),
        reverse("portal:leader_photo", args=[code, w["vice"].pk]),
    ]
    return urls


def crawl(client, start):
    """Every same-site link reachable from `start` under /gk/ (and the root)."""
    seen, queue, pages = set(), list(start), {}
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        pages[url] = response
        if response.get("Content-Type", "").startswith("text/html"):
            for link in re.findall(r'href="(/[^"]*)"', response.content.decode()):
                link = link.replace("&amp;", "&")
                if (link.startswith("/gk/") or link == "/") and not link.startswith("/gk/manage"):
                    queue.append(link)
    return pages


def test_no_portal_page_sets_a_cookie_and_all_send_the_security_headers(w):
    client = anonymous()
    pages = crawl(client, portal_urls(w))
    assert len(pages) > 15
    for url, response in pages.items():
        assert response.status_code == 200, url
        assert not response.cookies, url
        assert "Set-Cookie" not in response, url
        assert "default-src 'self'" in response["Content-Security-Policy"], url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["Referrer-Policy"], url
        assert response["Cache-Control"].startswith("public, max-age="), url
    assert "sessionid" not in client.cookies


def test_no_internal_object_is_reachable_through_the_portal(w):
    """A crawl of every portal URL as anonymous; internal ids answer 404 and appear nowhere."""
    client = anonymous()
    pages = crawl(client, portal_urls(w))
    body = "\n".join(r.content.decode(errors="replace") for r in pages.values())
    for secret in (
        demo.SECRET_PHONE,
        "13700002222",
        demo.SECRET_MANIFESTATION,
        "未发布的草稿风险点",
        "草稿的表现形式不得公开",
        "内部事项风险点",
        "内部干部考察",
        "已撤回的结果",
        "撤回内容",
        "赵采购",
        "S001",
        "L001",
        "退休领导",
    ):
        assert secret not in body, secret
    code = w["hospital"].code
    internal = [
        reverse("portal:item", args=[code, "catalogue", w["internal"].pk]),
        reverse("portal:item", args=[code, "catalogue", w["published"].pk + 10_000]),
        reverse("portal:item", args=[code, "results", w["withdrawn"].pk]),
        reverse("portal:item", args=[code, "risk-points", w["unpublished"].pk]),
        reverse("portal:item", args=[code, "risk-points", w["published"].pk]),
        reverse("portal:item", args=[code, "power-holders", w["buyer"].pk]),
        reverse("portal:leader_photo", args=[code, w["buyer"].pk]),
        reverse("portal:leader_photo", args=[code, w["inactive_leader"].pk]),
        reverse("portal:leader_photo", args=[w["other"].code, w["vice"].pk]),
        reverse("portal:item", args=[w["other"].code, "results", w["result"].pk]),
        reverse("portal:column", args=[code, "no-such-column"]),
        f"/gk/{code}/c/catalogue/{2**70}/",
        f"/gk/{code}/photo/{2**70}/",
    ]
    for url in internal:
        assert client.get(url).status_code == 404, url
    # no page links to the internal power
    links = {
        link
        for r in pages.values()
        for link in re.findall(r'href="([^"]*)"', r.content.decode(errors="replace"))
    }
    assert f"/c/catalogue/{w['internal'].pk}/" not in "\n".join(links)


def test_a_post_to_a_public_page_is_refused(w):
    assert anonymous().post(home_url(w)).status_code == 405


# The root URL ---------------------------------------------------------------------------------


def test_the_root_is_the_site_for_anonymous_visitors_when_exactly_one_is_open(w):
    client = anonymous()
    response = client.get("/")
    assert response.status_code == 200
    assert "市第一人民医院院务公开" in response.content.decode()
    assert response["Cache-Control"].startswith("public")
    assert not response.cookies
    signed_in = Client()
    signed_in.force_login(w["admin"])
    response = signed_in.get("/")
    assert response.resolver_match.view_name == "dashboard:home"
    assert "公开透明，接受监督" not in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    # a second open site: the root is the sign-in page again
    services.site_update(
        actor=_admin_of(w["other"]), organisation=w["other"], data={"enabled": True}
    )
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_root_without_an_open_site_is_the_sign_in_page():
    response = anonymous().get("/")
    assert response.status_code == 302


def _admin_of(org):
    from lianfang.core.roles import Role
    from tests.factories import make_user

    return make_user(f"admin-{org.code}", (Role.ADMIN, org))


def test_the_site_query_count_does_not_grow_with_the_catalogue(w, settings):
    settings.LIANFANG_PORTAL_PAGE_CACHE = False  # render every time
    from tests.risks.factories import make_power

    client = anonymous()
    url = column_url(w, "catalogue")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(30):
        make_power(
            w["hospital"],
            f"公开事项{i}",
            f"QL-X-{i:03d}",
            department=w["purchase"],
            steps=["受理"],
            is_public=True,
        )
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)
    holders = column_url(w, "power-holders")
    with CaptureQueriesContext(connection) as small:
        client.get(holders)
    with CaptureQueriesContext(connection) as large:
        client.get(holders)
    assert len(large) == len(small)
    assert PortalSite.objects.count() == 1


# Staff pages ----------------------------------------------------------------------------------


def test_administrators_set_the_site_and_columns(w):
    client = Client()
    client.force_login(w["admin"])
    url = reverse("portal:manage_site", args=[w["hospital"].pk])
    assert client.get(url).status_code == 200
    column = PortalColumn.objects.get(organisation=w["hospital"], code="party")
    response = client.post(
        url,
        {
            "action": f"column-{column.pk}",
            f"c{column.pk}-name": "党建工作",
            f"c{column.pk}-kind": "news",
            f"c{column.pk}-order": "5",
            f"c{column.pk}-editor_roles": ["integrity"],
        },
    )
    assert response.status_code == 302
    column.refresh_from_db()
    assert (column.name, column.order, column.enabled, column.editor_roles) == (
        "党建工作",
        5,
        False,
        ["integrity"],
    )
    response = client.post(
        url,
        {
            "action": "add",
            "new-code": "news",
            "new-name": "重复",
            "new-kind": "page",
            "new-order": "1",
        },
    )
    assert response.status_code == 200 and "本单位已有代码相同的栏目" in response.content.decode()
    response = client.post(
        url,
        {
            "action": "add",
            "new-code": "guide",
            "new-name": "办事指南",
            "new-kind": "page",
            "new-order": "200",
            "new-enabled": "on",
        },
    )
    assert response.status_code == 302
    assert PortalColumn.objects.filter(organisation=w["hospital"], code="guide").exists()
    other = reverse("portal:manage_site", args=[w["other"].pk])
    assert client.get(other).status_code == 404
    response = client.post(url, {"action": "site", "site-title": "院务公开网"})
    assert response.status_code == 302
    site = PortalSite.objects.get(organisation=w["hospital"])
    assert (site.enabled, site.title) == (False, "院务公开网")
    assert anonymous().get(home_url(w)).status_code == 404


def test_the_completeness_page_lists_what_is_not_public(w):
    from tests.risks.factories import make_power

    make_power(
        w["hospital"],
        "设备维修审批",
        "QL-WX-01",
        department=w["office"],
        steps=["申请"],
        is_public=True,
    )

    def pinned(organisation):
        return [columns.GapItem(title="过期仍置顶的通知", department="院办公室")]

    columns.register_gap(columns.Gap("test_pinned", "过期仍置顶的通知公告", pinned, "notices"))
    try:
        client = Client()
        client.force_login(w["integrity"])
        response = client.get(reverse("portal:completeness_index"))
        assert response.status_code == 302
        html = client.get(response["Location"]).content.decode()
        assert "设备维修审批" in html  # a public power with no published risk point
        assert "物资设备采购" in html  # no flow chart yet
        assert "过期仍置顶的通知" in html
        filtered = client.get(response["Location"] + "?department=采购中心").content.decode()
        assert "设备维修审批" not in filtered
        other = reverse("portal:completeness", args=[w["other"].pk])
        assert client.get(other).status_code == 404
    finally:
        columns._GAPS.pop("test_pinned")


def test_a_page_another_app_renders_gets_the_sites_frame(w):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    column = PortalColumn.objects.get(organisation=w["hospital"], code="notices")
    html = render_to_string(
        "portal/base.html",
        {"organisation": w["hospital"], "column": column},
        request=RequestFactory().get("/gk/H001/articles/1/"),
    )
    assert column_url(w, "catalogue") in html
    assert 'data-testid="nav-notices" aria-current="page"' in html
    closed = render_to_string(
        "portal/base.html",
        {"organisation": w["other"]},
        request=RequestFactory().get("/gk/H002/articles/1/"),
    )
    assert "/c/" not in closed and "市第二医院" in closed
