# ruff: noqa: E501  (BPMN snippets are kept on one line each)
"""Parsing and validating BPMN definitions: hostile XML refused, every reason listed."""

import pytest

from lianfang.flows import bpmn
from lianfang.flows.bpmn import BpmnInvalid

from .flowkit import bpmn_text

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:lianfang="http://lianfang.org/schema/bpmn/1" id="d" targetNamespace="http://x">
"""


def doc(body, fields="", attrs=""):
    ext = f"<bpmn:extensionElements>{fields}</bpmn:extensionElements>" if fields else ""
    return f'{HEAD}<bpmn:process id="p1" name="测试" isExecutable="true" {attrs}>{ext}{body}</bpmn:process></bpmn:definitions>'


LINE = """<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t1"/>
<bpmn:userTask id="t1" name="审核" {attrs}/><bpmn:sequenceFlow id="f2" sourceRef="t1" targetRef="e"/>
<bpmn:endEvent id="e"/>"""


def reasons(text, organisation=None):
    with pytest.raises(BpmnInvalid) as caught:
        bpmn.parse(text, organisation)
    return caught.value.reasons


def test_the_test_definitions_parse():
    spec = bpmn.parse(bpmn_text("test_purchase"))
    assert spec["process_id"] == "test_purchase"
    assert spec["name"] == "测试采购"
    assert spec["control_points"] == ["leader"]
    assert spec["tasks"]["leader"]["publishes"] == ["item", "amount", "supplier"]
    assert spec["tasks"]["head"]["limit"] == 2
    amount = next(f for f in spec["fields"] if f["name"] == "amount")
    assert amount == {
        "name": "amount",
        "label": "采购金额",
        "type": "amount",
        "required": True,
        "public": True,
        "options": [],
    }
    assert bpmn.parse(bpmn_text("test_leave"))["tasks"]["office"]["handler"] == "role:admin"


def test_malformed_xml_is_refused_in_chinese():
    [reason] = reasons("<bpmn:definitions><unclosed>")
    assert "格式正确的 XML" in reason
    assert "为空" in reasons("   ")[0]


def test_xxe_is_refused():
    xxe = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + doc(
        LINE.format(attrs='lianfang:handler="dept_head"')
    ).split("?>", 1)[1].replace('name="审核"', 'name="&x;"')
    [reason] = reasons(xxe)
    assert "XXE" in reason


def test_billion_laughs_is_refused():
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
            for i in range(1, 10)
        )
        + "]><lolz>&lol9;</lolz>"
    )
    [reason] = reasons(lol)
    assert "十亿笑" in reason


def test_oversize_is_refused():
    big = (
        doc(LINE.format(attrs='lianfang:handler="dept_head"'))
        + "<!--"
        + "x" * (3 * 1024 * 1024)
        + "-->"
    )
    [reason] = reasons(big)
    assert "过大" in reason


def test_not_bpmn():
    assert "bpmn:definitions" in reasons("<root/>")[0]


def test_every_reason_is_listed():
    body = """<bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t1"/>
    <bpmn:userTask id="t1" name="无人办"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t1" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" name="金额网关"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="t2"/>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="e"/>
    <bpmn:userTask id="t2" name="乱写规则" lianfang:handler="boss_of_bosses"/>
    <bpmn:sequenceFlow id="f5" sourceRef="t2" targetRef="t3"/>
    <bpmn:userTask id="t3" name="空内控点" lianfang:handler="dept_head" lianfang:controlPoint="true"/>
    <bpmn:sequenceFlow id="f6" sourceRef="t3" targetRef="t4"/>
    <bpmn:userTask id="t4" name="公开私密" lianfang:handler="integrity_office"
        lianfang:controlPoint="true" lianfang:publishes="phone,secret,nothere"/>
    <bpmn:sequenceFlow id="f7" sourceRef="t4" targetRef="e"/>
    <bpmn:userTask id="orphan" name="孤立环节" lianfang:handler="dept_head"/>
    <bpmn:sequenceFlow id="f8" sourceRef="orphan" targetRef="e"/>
    <bpmn:endEvent id="e"/>"""
    fields = """<lianfang:field name="phone" label="联系电话" type="text" public="true"/>
    <lianfang:field name="secret" label="内部意见" type="text"/>"""
    found = reasons(doc(body, fields))
    text = "\n".join(found)
    assert "“无人办”没有设置办理人规则" in text
    assert "办理人规则“boss_of_bosses”无法识别" in text
    assert "内控点“空内控点”没有设置公开内容" in text
    assert "“联系电话”含个人隐私信息" in text  # declared public: refused
    assert "公开的字段“nothere”未在表单中定义" in text
    assert "“内部意见”未声明为可公开" in text
    assert "网关“金额网关”的出口连线“f3”既没有条件，也不是默认连线" in text
    assert "“孤立环节”从开始事件无法到达" in text
    assert len(found) >= 9


def test_a_gateway_with_a_default_and_conditions_passes():
    body = """<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="f3"/>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="t1">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">amount &gt;= 100000 and method in ("询价", "竞争性谈判")</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="e"/>
    <bpmn:userTask id="t1" name="审核" lianfang:handler="committee:dept_head,post:P-FYZ" lianfang:completion="majority"/>
    <bpmn:sequenceFlow id="f4" sourceRef="t1" targetRef="e"/>
    <bpmn:endEvent id="e"/>"""
    fields = """<lianfang:field name="amount" label="金额" type="amount"/>
    <lianfang:field name="method" label="方式" type="choice" options="询价|竞争性谈判"/>"""
    spec = bpmn.parse(doc(body, fields))
    assert spec["tasks"]["t1"]["completion"] == "majority"


def test_conditions_are_checked_when_publishing():
    body = """<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw"/>
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="t1">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">__import__("os").system("x")</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="e">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">budget &gt; 1</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="t1" name="审核" lianfang:handler="dept_head"/>
    <bpmn:sequenceFlow id="f4" sourceRef="t1" targetRef="e"/>
    <bpmn:endEvent id="e"/>"""
    text = "\n".join(reasons(doc(body)))
    assert "不允许的写法" in text
    assert "未定义的表单字段：budget" in text


def test_scripts_are_refused():
    body = """<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="x"/>
    <bpmn:scriptTask id="x" name="脚本"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="t1"/>
    <bpmn:userTask id="t1" name="审核" lianfang:handler="dept_head"/>
    <bpmn:sequenceFlow id="f3" sourceRef="t1" targetRef="e"/><bpmn:endEvent id="e"/>"""
    assert any("脚本任务“脚本”" in r for r in reasons(doc(body)))


def test_unknown_power_and_step_for_the_organisation(world):
    from lianfang.org.models import Power, PowerStep

    power = Power.objects.create(organisation=world.hospital, code="YY-CG-01", name="物资采购")
    PowerStep.objects.create(power=power, key="order", name="下单")
    good = doc(
        LINE.format(attrs='lianfang:handler="dept_head" lianfang:step="YY-CG-01/order"'),
        attrs='lianfang:power="YY-CG-01"',
    )
    assert bpmn.parse(good, world.hospital)["power"] == "YY-CG-01"
    bad = doc(
        LINE.format(attrs='lianfang:handler="dept_head" lianfang:step="YY-CG-01/nope"'),
        attrs='lianfang:power="NO-SUCH"',
    )
    text = "\n".join(reasons(bad, world.hospital))
    assert "职权编码“NO-SUCH”在本单位的职权目录中不存在" in text
    assert "权力环节“YY-CG-01/nope”在本单位的职权目录中不存在" in text
    # the other hospital has neither
    assert reasons(good, world.other_hospital)


def test_dangling_flows_are_refused():
    body = LINE.format(attrs='lianfang:handler="dept_head"').replace(
        'targetRef="e"', 'targetRef="nowhere"'
    )
    assert "不存在的节点" in "\n".join(reasons(doc(body)))


def test_spiffworkflow_rejects_what_it_cannot_run():
    # a message catch event naming a message that is not declared: our checks pass it,
    # SpiffWorkflow's parser does not
    body = LINE.format(attrs='lianfang:handler="dept_head"').replace(
        "<bpmn:userTask",
        '<bpmn:intermediateCatchEvent id="ic"><bpmn:messageEventDefinition messageRef="nomsg"/>'
        '</bpmn:intermediateCatchEvent><bpmn:sequenceFlow id="fx" sourceRef="s" targetRef="ic"/>'
        '<bpmn:sequenceFlow id="fy" sourceRef="ic" targetRef="e"/><bpmn:userTask',
    )
    assert any(r.startswith("BPMN 校验未通过") for r in reasons(doc(body)))


def test_schema_violations_are_refused():
    body = LINE.format(attrs='lianfang:handler="dept_head"').replace(
        '<bpmn:endEvent id="e"/>', '<bpmn:endEvent id="e"><bpmn:bogus/></bpmn:endEvent>'
    )
    assert any("不符合 BPMN 2.0 规范" in r for r in reasons(doc(body)))


def test_bad_fields():
    fields = """<lianfang:field name="1bad" label="坏名字"/>
    <lianfang:field name="kind" label="类别" type="choice"/>
    <lianfang:field name="x" label="怪类型" type="blob"/>
    <lianfang:field name="x" label="重复"/>"""
    text = "\n".join(reasons(doc(LINE.format(attrs='lianfang:handler="dept_head"'), fields)))
    assert "“1bad”无效" in text
    assert "选择字段“类别”未列出选项" in text
    assert "类型“blob”无法识别" in text
    assert "“x”重复定义" in text


@pytest.mark.parametrize(
    "rule,ok",
    [
        ("dept_head", True),
        ("role:integrity", True),
        ("post:P-FYZ", True),
        ("person:0101", True),
        ("committee:dept_head,leader_in_charge", True),
        ("committee:", False),
        ("committee:committee:x", False),
        ("boss", False),
        ("role:", False),
    ],
)
def test_handler_rule_syntax(rule, ok):
    assert (bpmn.check_handler_rule(rule) is None) is ok


@pytest.mark.parametrize(
    "start_id, end_id, task_id",
    [("Start", "e", "t1"), ("s", "End", "t1"), ("s", "e", "Root"), ("s", "e", "p1.EndJoin")],
)
def test_ids_spiffworkflow_reserves_are_refused_in_chinese(start_id, end_id, task_id):
    body = (
        LINE.format(attrs='lianfang:handler="dept_head"')
        .replace('"s"', f'"{start_id}"')
        .replace('"e"', f'"{end_id}"')
        .replace('"t1"', f'"{task_id}"')
    )
    found = reasons(doc(body))
    reserved = [r for r in found if "保留名称" in r]
    assert len(reserved) == 1, found
    assert next(i for i in (start_id, end_id, task_id) if i not in ("s", "e", "t1")) in reserved[0]


def test_an_ordinary_start_id_is_not_reserved():
    body = LINE.format(attrs='lianfang:handler="dept_head"').replace('"s"', '"StartEvent_1"')
    assert bpmn.parse(doc(body))["process_id"] == "p1"
