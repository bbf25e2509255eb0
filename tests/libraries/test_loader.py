"""validate() and the readers, on small hand-made packs."""

import copy
import textwrap

import pytest

from lianfang.libraries import (
    LibraryError,
    list_packs,
    load_pack,
    parse_pack,
    validate,
    validate_packs,
)

P = "urn:lianfang:demo:power:"
R = "urn:lianfang:demo:risk:"
M = "urn:lianfang:demo:measure:"


def t(zh, en):
    return {"zh": zh, "en": en}


def good_pack():
    return {
        "urn": "urn:lianfang:library:demo",
        "version": 1,
        "sector": "demo",
        "name": t("示例标准库", "Demo library"),
        "description": t("用于测试的示例标准库", "A library used by the tests"),
        "powers": [
            {
                "urn": P + "purchase",
                "code": "SL-CG-01",
                "category": "procurement",
                "name": t("办公用品采购", "Purchase of office supplies"),
                "basis": t("《中华人民共和国政府采购法》", "Government Procurement Law of the PRC"),
                "department": "办公室",
                "posts": ["采购员"],
                "duties": t("按计划采购并验收入库", "Buy to plan and check goods in"),
                "time_limit_days": 15,
                "public": True,
                "steps": [
                    {"key": "demand", "name": t("需求申报", "Demand"), "control_point": False},
                    {"key": "accept", "name": t("验收入库", "Acceptance"), "control_point": True},
                ],
            }
        ],
        "risk_points": [
            {
                "urn": R + "fake-acceptance",
                "power": P + "purchase",
                "step": "accept",
                "category": "business_process",
                "name": t("虚假验收", "Sham acceptance"),
                "manifestation": t(
                    "验收人员未清点实物即在验收单上签字，供应商少送的货品仍按合同全额结算",
                    "The receiver signs without counting; short deliveries are paid in full",
                ),
                "likelihood": 3,
                "harm": 2,
                "matter_kind": "office_purchase",
                "criteria": ["controls_money_goods"],
                "measures": [M + "double-count"],
            }
        ],
        "measures": [
            {
                "urn": M + "double-count",
                "text": t(
                    "验收由采购员以外的两名人员当场清点并共同签字，差异当日报办公室主任",
                    "Two people other than the buyer count and sign; gaps go to the head",
                ),
                "owner": t("办公室主任", "Head of the office"),
            }
        ],
    }


def errors_after(change):
    data = good_pack()
    change(data)
    return validate(data)


def assert_error(errors, *fragments):
    assert any(all(f in e for f in fragments) for e in errors), errors


def test_the_hand_made_pack_is_valid():
    assert validate(good_pack()) == []
    pack = parse_pack(good_pack(), key="demo")
    assert pack.counts == {
        "powers": 1,
        "steps": 2,
        "control_points": 1,
        "risk_points": 1,
        "measures": 1,
    }
    power = pack.power(P + "purchase")
    assert power.step("accept").urn == P + "purchase:accept"
    assert power.step("accept").control_point is True
    assert pack.risk_points[0].manifestation.en.startswith("The receiver")


def test_duplicate_urns_are_reported():
    def dup(d):
        d["measures"].append(copy.deepcopy(d["measures"][0]))

    assert_error(errors_after(dup), "重复", M + "double-count")


def test_duplicate_power_codes_and_step_keys_are_reported():
    def dup(d):
        second = copy.deepcopy(d["powers"][0])
        second["urn"] = P + "purchase-two"
        d["powers"].append(second)
        d["powers"][0]["steps"][1]["key"] = "demand"

    errors = errors_after(dup)
    assert_error(errors, "编码「SL-CG-01」重复")
    assert_error(errors, "环节 key「demand」重复")


@pytest.mark.parametrize(
    "path, value",
    [
        (("urn",), "urn:lianfang:library:other"),
        (("powers", 0, "urn"), "urn:lianfang:other:power:purchase"),
        (("powers", 0, "urn"), "urn:lianfang:demo:power:Purchase Office"),
        (("risk_points", 0, "urn"), "urn:lianfang:demo:measure:fake"),
        (("measures", 0, "urn"), "lianfang:demo:measure:x"),
    ],
)
def test_malformed_urns_are_reported(path, value):
    def change(d):
        target = d
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    assert_error(errors_after(change), "格式不对")


def test_references_must_resolve():
    def change(d):
        d["risk_points"][0]["power"] = P + "missing"

    assert_error(errors_after(change), "所属权力事项", "不存在")

    def change_step(d):
        d["risk_points"][0]["step"] = "pay"

    assert_error(errors_after(change_step), "没有环节「pay」")

    def change_measure(d):
        d["risk_points"][0]["measures"].append(M + "missing")

    assert_error(errors_after(change_measure), "防控措施「" + M + "missing」不存在")


def test_a_risk_point_needs_a_measure_and_a_measure_needs_a_risk_point():
    def change(d):
        d["risk_points"][0]["measures"] = []

    errors = errors_after(change)
    assert_error(errors, "至少要有一条防控措施")
    assert_error(errors, "没有被任何风险点引用")


@pytest.mark.parametrize("field", ["likelihood", "harm"])
@pytest.mark.parametrize("value", [0, 6])
def test_likelihood_and_harm_stay_between_one_and_five(field, value):
    def change(d):
        d["risk_points"][0][field] = value

    assert_error(errors_after(change), "须为 1 到 5 的整数", str(value))


def test_likelihood_must_be_a_number():
    def change(d):
        d["risk_points"][0]["likelihood"] = "高"

    errors = errors_after(change)
    assert_error(errors, "likelihood」必须是整数")
    assert_error(errors, "缺少可能性")


@pytest.mark.parametrize(
    "path, value, label",
    [
        (("powers", 0, "category"), "shopping", "权力类别「shopping」"),
        (("risk_points", 0, "category"), "moral", "风险类别「moral」"),
        (("risk_points", 0, "matter_kind"), "huge_funds", "事项性质「huge_funds」"),
        (("risk_points", 0, "criteria"), ["controls_people", "rich"], "符合条件「rich」"),
    ],
)
def test_keys_must_come_from_the_allowed_lists(path, value, label):
    def change(d):
        d[path[0]][path[1]][path[2]] = value

    assert_error(errors_after(change), label, "不在允许的取值中")


@pytest.mark.parametrize(
    "path, lang, message",
    [
        (("name",), "en", "名称的英文文本"),
        (("powers", 0, "basis"), "zh", "行使依据的中文文本"),
        (("powers", 0, "steps", 1, "name"), "en", "环节「accept」：缺少名称的英文文本"),
        (("risk_points", 0, "manifestation"), "en", "表现形式的英文文本"),
        (("measures", 0, "owner"), "zh", "责任人的中文文本"),
    ],
)
def test_every_text_needs_both_languages(path, lang, message):
    def change(d):
        target = d
        for part in path:
            target = target[part]
        del target[lang]

    assert_error(errors_after(change), "缺少", message)


def test_languages_must_not_be_swapped():
    def change(d):
        d["name"] = t("Demo library", "示例标准库")

    errors = errors_after(change)
    assert_error(errors, "名称的中文文本不含汉字")
    assert_error(errors, "名称的英文文本含有汉字")


@pytest.mark.parametrize(
    "text",
    [
        "政治学习不够扎实",
        "采购环节业务程序有待进一步规范，监督管理工作还有欠缺",
        "验收工作把关不够到位，制度执行不严格",
        "验收时不认真",
    ],
)
def test_vague_manifestations_are_rejected(text):
    def change(d):
        d["risk_points"][0]["manifestation"]["zh"] = text

    assert_error(errors_after(change), "表现形式")


def test_vague_measures_are_rejected():
    def change(d):
        d["measures"][0]["text"]["zh"] = "进一步加强学习，提高意识不强的问题"

    assert_error(errors_after(change), "措施内容含有空泛表述")


def test_copied_manifestations_are_reported():
    def change(d):
        second = copy.deepcopy(d["risk_points"][0])
        second["urn"] = R + "fake-acceptance-two"
        d["risk_points"].append(second)

    assert_error(errors_after(change), "表现形式与风险点", "完全相同")


def test_a_power_needs_steps_posts_and_a_sane_time_limit():
    def change(d):
        power = d["powers"][0]
        power["steps"] = []
        power["posts"] = []
        power["time_limit_days"] = 0
        del d["risk_points"][0]["step"]

    errors = errors_after(change)
    assert_error(errors, "至少要有一个流程环节")
    assert_error(errors, "承办岗位")
    assert_error(errors, "办理期限须为正整数")


def test_wrong_shapes_and_unknown_fields_are_reported_not_raised():
    def change(d):
        d["powers"][0]["public"] = "是"
        d["powers"][0]["name"] = "办公用品采购"
        d["risk_points"][0]["measure"] = d["risk_points"][0].pop("measures")
        d["measures"].append("urn:lianfang:demo:measure:loose")

    errors = errors_after(change)
    assert_error(errors, "「public」必须是 true 或 false")
    assert_error(errors, "「name」必须写成 {zh: 中文, en: English}")
    assert_error(errors, "未知字段「measure」")
    assert_error(errors, "防控措施第 2 项必须是键值映射")


def test_version_is_required():
    def change(d):
        del d["version"]

    assert_error(errors_after(change), "缺少版本号")


def test_yaml_text_is_read_safely():
    with pytest.raises(LibraryError, match="不是合法的 YAML"):
        parse_pack("urn: [unclosed", key="broken")
    with pytest.raises(LibraryError, match="顶层必须是键值映射"):
        parse_pack("- a\n- b\n", key="broken")
    # safe_load: a Python tag is an error, never an object
    with pytest.raises(LibraryError):
        parse_pack("urn: !!python/object/apply:os.system ['true']\n", key="evil")
    assert validate("urn: [unclosed")[0].startswith("标准库")


def test_load_and_list_from_a_directory(tmp_path):
    import yaml

    (tmp_path / "demo.yaml").write_text(
        yaml.safe_dump(good_pack(), allow_unicode=True), encoding="utf-8"
    )
    broken = good_pack()
    broken["risk_points"][0]["likelihood"] = 9
    (tmp_path / "broken.yaml").write_text(
        yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8"
    )
    infos = list_packs(tmp_path)
    assert [i.key for i in infos] == ["broken", "demo"]
    assert infos[1].urn == "urn:lianfang:library:demo"
    assert infos[1].name.zh == "示例标准库"
    assert infos[1].counts["risk_points"] == 1
    assert load_pack("demo", tmp_path, check=True).version == 1
    with pytest.raises(LibraryError) as excinfo:
        load_pack("broken", tmp_path, check=True)
    assert any("现为 9" in e for e in excinfo.value.errors)
    with pytest.raises(LibraryError, match="找不到"):
        load_pack("absent", tmp_path)
    with pytest.raises(LibraryError, match="不合法"):
        load_pack("../demo", tmp_path)


def test_urns_and_codes_must_be_unique_across_packs():
    a = parse_pack(good_pack(), key="a")
    b = parse_pack(good_pack(), key="b")
    errors = validate_packs([a, b])
    assert_error(errors, "同时出现在标准库「a」和「b」", P + "purchase")
    assert_error(errors, "编码「SL-CG-01」同时出现")
    assert validate_packs([a]) == []


def test_a_folded_english_text_is_joined():
    pack = parse_pack(
        textwrap.dedent(
            """
            urn: urn:lianfang:library:demo
            name:
              zh: 示例
              en: >
                A demo
                library
            """
        ),
        key="demo",
    )
    assert pack.name.en == "A demo library"
