"""Small hand-made standard library packs, written to a directory for the import tests."""

import copy
from pathlib import Path

import yaml

SECTOR = "tiny"

# Chinese phrases long and concrete enough to pass the pack's vagueness rule.
_SUBJECTS = "采购员 会计 出纳 科主任 主治医师 护士长 药师 库管员 技师 工程师".split()
_ACTS = (
    "向指定供应商透露评分标准并收取好处费",
    "虚增验收数量后与配送企业私分差价款",
    "在排班和绩效分配中照顾亲友并收受红包",
    "拆分合同金额规避招标并收受回扣",
    "伪造签名报销并不存在的差旅费用",
)


def text(zh, en):
    return {"zh": zh, "en": en}


def manifestation(i: int) -> str:
    return f"第{i}号岗位的{_SUBJECTS[i % len(_SUBJECTS)]}{_ACTS[i % len(_ACTS)]}"


def tiny_pack(version: int = 1) -> dict:
    """Four powers landing on a post (exact), a department only, the unit, and two posts of a
    department found by a contains-match; five risk points and three measures."""

    def urn(kind, slug):
        return f"urn:lianfang:{SECTOR}:{kind}:{slug}"

    def step(key, zh, control=False):
        return {"key": key, "name": text(zh, key.title()), "control_point": control}

    def power(slug, code, department, posts, steps, category="procurement"):
        return {
            "urn": urn("power", slug),
            "code": code,
            "category": category,
            "name": text(f"{department}的{slug}事项", f"Power {slug}"),
            "basis": text("《中华人民共和国政府采购法》", "Government Procurement Law"),
            "department": department,
            "posts": posts,
            "duties": text("按规定程序办理并对结果负责", "Handle it by the rules"),
            "time_limit_days": 30,
            "public": True,
            "steps": steps,
        }

    def risk(slug, power_slug, step_key, i, measures, likelihood=3, harm=3):
        return {
            "urn": urn("risk", slug),
            "power": urn("power", power_slug),
            "step": step_key,
            "category": "business_process",
            "name": text(f"风险点{slug}", f"Risk {slug}"),
            "manifestation": text(manifestation(i), f"Manifestation {i}"),
            "likelihood": likelihood,
            "harm": harm,
            "matter_kind": "large_funds",
            "criteria": ["controls_money_goods", "discretion"],
            "measures": [urn("measure", m) for m in measures],
        }

    def measure(slug, i):
        return {
            "urn": urn("measure", slug),
            "text": text(
                f"措施{i}：合同金额超过五万元一律公开招标，评分标准在开标前由三人以上共同封存",
                f"Measure {i}",
            ),
            "owner": text("采购中心主任", "Head of procurement"),
        }

    return {
        "urn": f"urn:lianfang:library:{SECTOR}",
        "version": version,
        "sector": SECTOR,
        "name": text("测试标准库", "Test library"),
        "description": text("用于测试导入的小型标准库", "A small library for import tests"),
        "powers": [
            power(
                "buy",
                "TY-01",
                "采购中心",
                ["采购员"],
                [step("plan", "编制计划"), step("order", "下单采购", True)],
            ),
            power("pay", "TY-02", "财务科", ["出纳专员"], [step("pay", "付款", True)], "finance"),
            power("clean", "TY-03", "后勤保障科", ["保洁员"], [step("work", "日常保洁")]),
            power(
                "treat",
                "TY-04",
                "心内",
                ["科主任", "主治医师"],
                [step("visit", "查房"), step("order", "开具医嘱", True)],
                "treatment",
            ),
        ],
        "risk_points": [
            risk("r1", "buy", "order", 1, ["m1"], likelihood=5, harm=4),
            risk("r2", "pay", "pay", 2, ["m2"]),
            risk("r3", "clean", None, 3, ["m3"], likelihood=1, harm=1),
            risk("r4", "treat", "order", 4, ["m1"]),
        ],
        "measures": [measure("m1", 1), measure("m2", 2), measure("m3", 3)],
    }


def generated_pack(n_points: int, *, sector: str = "bulk", version: int = 1) -> dict:
    """One power on the 采购员 post with `n_points` risk points, each with its own measure."""
    pack = tiny_pack(version)
    pack = copy.deepcopy(pack)
    pack["urn"] = f"urn:lianfang:library:{sector}"
    pack["sector"] = sector
    power = pack["powers"][0]
    power["urn"] = f"urn:lianfang:{sector}:power:buy"
    power["code"] = f"{sector.upper()}-01"
    pack["powers"] = [power]
    pack["risk_points"] = []
    pack["measures"] = []
    for i in range(1, n_points + 1):
        pack["risk_points"].append(
            {
                "urn": f"urn:lianfang:{sector}:risk:r{i}",
                "power": power["urn"],
                "step": "order" if i % 2 else "plan",
                "category": "post_duty",
                "name": text(f"风险点{i}", f"Risk {i}"),
                "manifestation": text(manifestation(i) + f"（情形{i}）", f"Case {i}"),
                "likelihood": 1 + i % 5,
                "harm": 1 + (i * 2) % 5,
                "criteria": [],
                "measures": [f"urn:lianfang:{sector}:measure:m{i}"],
            }
        )
        pack["measures"].append(
            {
                "urn": f"urn:lianfang:{sector}:measure:m{i}",
                "text": text(
                    f"措施{i}：采购订单由两名经办人分别复核并在系统中留痕，每月公开订单清单",
                    f"Measure {i}",
                ),
                "owner": text("采购中心主任", "Head of procurement"),
            }
        )
    return pack


def write_pack(directory: Path, data: dict, key: str | None = None) -> str:
    key = key or data["sector"]
    path = Path(directory) / f"{key}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return key
