"""The commitment items (承诺事项) and 违诺责任 a unit starts from, after the forms the seed's
units used (个人岗位廉政风险点和自我防控承诺表). A unit edits its own on 承诺书模板.

They are the text of an official Chinese form, copied into each commitment: data, not
interface, so they are not translated (a commitment made from an English page is the same)."""

DEFAULT_ITEMS = (
    (
        "廉洁自律",
        (
            "严格遵守中央八项规定及其实施细则精神和廉洁从业各项规定，不利用职务之便谋取私利，"
            "不收受红包、回扣和礼品礼金，不接受可能影响公正执行公务的宴请。"
        ),
    ),
    (
        "一岗双责",
        "既抓业务工作，又抓本岗位（分管范围）的党风廉政建设，对岗位廉政风险点落实防控措施。",
    ),
    (
        "接受监督",
        "主动接受组织监督、群众监督和社会监督，如实报告个人有关事项，对反映的问题及时说明。",
    ),
    (
        "依法行政",
        "依法依规履行岗位职责，严格执行议事规则和工作流程，不越权、不滥权、不徇私。",
    ),
)

DEFAULT_BREACH = (
    "如违反上述承诺，本人自愿接受组织按照有关规定给予的提醒谈话、诫勉谈话、通报批评、"
    "调整岗位等处理；构成违纪违法的，依纪依法承担相应责任。"
)


def default_items() -> list[dict]:
    return [{"title": str(title), "text": str(text)} for title, text in DEFAULT_ITEMS]
