"""The exchange file's workbook (上报材料.xlsx): the JSON members as people read them, written
from the same documents (so it says what the JSON says), through the spreadsheet kit."""

from __future__ import annotations

import io

from django.utils.translation import gettext_lazy as _

from lianfang.campaigns.models import CampaignPoint, CampaignTask
from lianfang.core import spreadsheets
from lianfang.core.spreadsheets import Column
from lianfang.risks.models import Category, Level, Measure, RiskPoint

from .schema import CAMPAIGN, COMMITMENTS, REGISTER

POINT_COLUMNS = (
    Column("number", _("序号"), 6),
    Column("department", _("科室"), 16),
    Column("post", _("岗位"), 16),
    Column("subject", _("对象"), 8),
    Column("category", _("风险类别"), 14),
    Column("name", _("风险点"), 30, wrap=True),
    Column("manifestation", _("表现形式"), 40, wrap=True),
    Column("level", _("风险等级"), 10),
    Column("review_due", _("下次复核"), 12),
    Column("measures", _("防控措施"), 50, wrap=True),
)
FIGURE_COLUMNS = (Column("what", _("项目"), 30), Column("value", _("数值"), 40))


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def workbook(documents: dict, *, unit_name: str, campaign_name: str) -> bytes:
    register_doc = documents[REGISTER]
    commitments = documents[COMMITMENTS]
    campaign = documents[CAMPAIGN]["campaign"]
    out = io.BytesIO()
    with spreadsheets.SheetWriter(out) as book:
        sheet = book.sheet(str(_("概况")), FIGURE_COLUMNS)
        levels = register_doc["levels"]
        rows = [
            (_("上报单位"), f"{unit_name}（{register_doc['unit']}）"),
            (_("年度"), register_doc["year"]),
            (_("风险排查"), campaign_name or "—"),
            (_("已备案风险点"), len(register_doc["points"])),
            (_("一级（高）"), levels["1"]),
            (_("二级（中）"), levels["2"]),
            (_("三级（低）"), levels["3"]),
            (_("防控措施：计划中"), register_doc["measures"]["planned"]),
            (_("防控措施：已落实"), register_doc["measures"]["in_place"]),
        ]
        for key, label in (
            ("signed", _("个人承诺：已签署")),
            ("in_progress", _("个人承诺：办理中")),
            ("missing", _("个人承诺：未签署")),
            ("stale", _("个人承诺：岗位变动待重签")),
        ):
            rows.append((label, commitments["personal"][key]))
        rows.append((_("部门承诺：已签署"), commitments["departmental"]["signed"]))
        rows.append((_("部门承诺：未签署"), commitments["departmental"]["missing"]))
        if campaign:
            summary = campaign["summary"]
            rows.append(
                (_("排查状态"), _("已结束") if campaign["state"] == "closed" else _("进行中"))
            )
            rows.append((_("排查任务"), summary["tasks"]))
            for status, n in summary["status"].items():
                rows.append((_label(CampaignTask.Status, status), n))
            rows.append((_("排查确认的风险点"), summary["points"]))
            for origin, n in (summary.get("origins") or {}).items():
                rows.append((_label(CampaignPoint.Origin, origin), n))
            rows.append((_("未重新确认"), summary.get("not_reconfirmed", 0)))
        for what, value in rows:
            sheet.row([str(what), value])
        points = book.sheet(str(_("风险点")), POINT_COLUMNS)
        for number, point in enumerate(register_doc["points"], start=1):
            level = point["level"]
            points.row(
                {
                    "number": number,
                    "department": point.get("department", ""),
                    "post": point.get("post", ""),
                    "subject": _label(RiskPoint.Subject, point["subject"]),
                    "category": _label(Category, point.get("category")),
                    "name": point["name"],
                    "manifestation": point.get("manifestation", ""),
                    "level": _label(Level, level) if level else "",
                    "review_due": point.get("review_due") or "",
                    "measures": "\n".join(
                        f"{i}. {m['text']}（{m.get('owner') or '—'}，"
                        f"{_label(Measure.Status, m['status'])}）"
                        for i, m in enumerate(point["measures"], start=1)
                    ),
                }
            )
    return out.getvalue()
