"""What the realistic 全员排查 finds: which of the hospital pack's risk points each demo post,
department and leader files (`register.RegisterBuilder`, density "realistic").

A risk is named by the last part of its pack urn (`urn:lianfang:hospital:risk:<slug>`). Each
list runs from the most telling risk of the post to the least; a post files the first few its
department's positioning table has room for (`register.TABLE_ROWS`), skipping those the
library import already put on it. Written for this project from the hospital pack
(`lianfang/libraries/hospital.yaml`) and the demo's posts (`catalogue.py`).
"""

# Every department answers for how it shares out its performance pay (科室二次分配).
DEPARTMENT_RISKS = ("pay-secret-distribution",)
# Clinical departments also for what the industry offers their doctors (科室层面).
CLINICAL_DEPARTMENT_RISKS = ("pay-secret-distribution", "sponsored-conference-trip")

# Clinical posts (the same in every clinical department), by post key: (risks, how many).
# Each list after its first risk is shuffled per department, so departments differ.
CLINICAL_POSTS = {
    "ZR": (
        ("treatment-bed-favours", "lecture-fee-reward", "research-sponsor-disguised-rebate"),
        (2, 2),
    ),
    "FZR": (("prescribing-kickback", "examination-commission", "lecture-fee-reward"), (1, 1)),
    "HSZ": (("treatment-bed-favours", "consumable-phantom-billing"), (1, 1)),
    "HCGL": (("consumable-phantom-billing", "consumable-use-unreviewed"), (1, 1)),
    "MZYP": (("narcotics-diversion",), (1, 1)),
    "YS": (
        (
            "prescribing-kickback",
            "treatment-red-envelope",
            "examination-unindicated-scans",
            "prescribing-excess-quantity",
            "treatment-referral-fees",
            "examination-commission",
        ),
        (2, 3),
    ),
    "HS": (("consumable-phantom-billing", "narcotics-diversion"), (1, 1)),
}
# The surgical departments (those of this leader) differ for some posts: the supplier's man
# in the theatre (跟台) comes first.
SURGICAL_LEADER = "fyz_wk"
SURGICAL_POSTS = {
    "ZR": (("consumable-follow-staff", "treatment-bed-favours", "lecture-fee-reward"), (2, 2)),
    "YS": (
        (
            "treatment-red-envelope",
            "consumable-follow-staff",
            "prescribing-kickback",
            "examination-unindicated-scans",
            "treatment-induced-self-pay",
        ),
        (2, 3),
    ),
}

# The other departments' posts, by (department code, post key): every risk listed is filed
# when the table has room.
POSTS = {
    # 检验科
    ("JYK", "ZR"): ("outside-lab-rebates", "reagent-placement-lock-in"),
    ("JYK", "SJGL"): ("reagent-overstated-use", "reagent-closed-system-spec"),
    ("JYK", "JS"): ("examination-commission", "outside-lab-needless-sendout"),
    # 放射科
    ("FSK", "ZR"): ("examination-commission", "equipment-inflated-feasibility"),
    ("FSK", "ZDYS"): ("examination-commission",),
    ("FSK", "JS"): ("examination-queue-jumping",),
    ("FSK", "HS"): ("examination-queue-jumping",),
    # 超声医学科
    ("CSK", "ZR"): ("examination-commission", "equipment-inflated-feasibility"),
    ("CSK", "ZDYS"): ("examination-queue-jumping", "examination-commission"),
    # 病理科
    ("BLK", "ZR"): ("outside-lab-rebates", "examination-commission"),
    ("BLK", "SJGL"): ("reagent-overstated-use",),
    ("BLK", "ZDYS"): ("outside-lab-needless-sendout",),
    ("BLK", "JS"): ("reagent-overstated-use",),
    # 药剂科
    ("YJK", "ZR"): ("new-drug-no-removal", "statistics-pretext-request"),
    ("YJK", "YPCG"): ("drug-off-platform-purchase", "drug-distributor-rebate"),
    ("YJK", "YKGL"): ("drug-receiving-collusion", "drug-false-write-off"),
    ("YJK", "CFSH"): ("prescribing-antibiotic-overreach", "prescribing-review-skipped"),
    ("YJK", "LCYS"): ("prescribing-review-skipped",),
    ("YJK", "TJYS"): ("narcotics-diversion", "drug-false-write-off"),
    # 党委办公室
    ("DWBGS", "ZR"): ("decision-minutes-altered", "cadre-deliberation-leak"),
    ("DWBGS", "DWGS"): ("cadre-eligibility-fudged",),
    # 院长办公室
    ("YBGS", "ZR"): ("donation-direct-acceptance", "donation-tied-to-purchase"),
    ("YBGS", "MS"): ("decision-minutes-altered",),
    ("YBGS", "KY"): ("reimbursement-lavish-hospitality",),
    # 医务科
    ("YWK", "ZR"): ("privilege-granted-unqualified", "dispute-excess-compensation"),
    ("YWK", "YLJF"): ("dispute-excess-compensation", "dispute-record-altered"),
    ("YWK", "YLGS"): ("privilege-assessment-formality", "certificate-seal-lent"),
    # 护理部
    ("HLB", "ZR"): ("appraisal-rotating-excellent",),
    ("HLB", "HLGS"): ("appraisal-ignores-misconduct",),
    # 人事科
    ("RSK", "ZR"): ("recruitment-tailored-conditions", "title-recommendation-favour"),
    ("RSK", "XCZY"): ("pay-linked-to-revenue",),
    ("RSK", "RSZY"): (
        "recruitment-interview-bias",
        "recruitment-eligibility-leniency",
        "title-fake-materials",
    ),
    ("RSK", "KY"): ("recruitment-contract-staff-private",),
    # 财务科
    ("CWK", "ZR"): ("budget-unapproved-adjustment", "payment-unapproved-account"),
    ("CWK", "CN"): ("payment-one-person-ukey", "billing-cash-skimming"),
    ("CWK", "JGGL"): ("billing-unauthorised-items", "billing-unbundling"),
    ("CWK", "KJ"): ("reimbursement-lavish-hospitality", "payment-slush-fund"),
    ("CWK", "SFY"): ("billing-fake-refund", "billing-cash-skimming"),
    # 采购中心
    ("CGZX", "ZR"): ("representative-ward-promotion", "supplier-blacklist-evasion"),
    ("CGZX", "CGY"): ("equipment-split-purchase", "consumable-price-leak"),
    ("CGZX", "ZBZY"): ("tender-restrictive-scoring", "equipment-evaluation-bias"),
    ("CGZX", "HTGL"): ("tender-contract-deviation",),
    ("CGZX", "KY"): ("supplier-expired-licence",),
    # 审计科
    ("SJK", "ZR"): ("settlement-overstated",),
    ("SJK", "SJY"): ("settlement-overstated", "change-false-instruction"),
    # 医保办
    ("YBB", "ZR"): ("insurance-upcoding",),
    ("YBB", "YBZY"): ("insurance-phantom-inpatients", "insurance-upcoding"),
    # 信息中心
    ("XXZX", "ZR"): ("it-vendor-lock-in", "it-premature-acceptance"),
    ("XXZX", "WAGL"): ("admin-log-deletion", "admin-stale-accounts"),
    ("XXZX", "GCS"): (
        "admin-data-tampering",
        "admin-database-statistics",
        "statistics-sold-to-representatives",
    ),
    # 总务科
    ("ZWK", "ZR"): ("service-lenient-assessment", "repair-favoured-contractor"),
    ("ZWK", "WZCG"): ("canteen-purchase-kickback",),
    ("ZWK", "KGY"): ("stores-missing-goods",),
    ("ZWK", "HQ"): ("repair-inflated-scope", "asset-proceeds-withheld"),
    # 基建科
    ("JJK", "ZR"): ("construction-inflated-estimate", "change-backdated"),
    ("JJK", "XMGL"): ("change-false-instruction", "settlement-quality-waived"),
    ("JJK", "YSY"): ("change-low-bid-high-settle", "settlement-overstated"),
    ("JJK", "GCS"): ("repair-split-orders", "settlement-quality-waived"),
    # 设备科
    ("SBK", "ZR"): ("equipment-spec-tailoring", "consumable-admission-brand"),
    ("SBK", "SBCG"): ("consumable-price-leak", "equipment-spec-tailoring"),
    ("SBK", "SBKG"): ("consumable-unlisted-receipt", "equipment-lax-acceptance"),
    ("SBK", "WXGC"): ("maintenance-fake-repair", "maintenance-contract-renewal"),
}

# The leaders' own risk points (院领导), by leader key (catalogue.LEADERS): every leader sits
# on the 党委会 and 院长办公会 (三重一大), then the fields in their charge (分管领域).
LEADER_DECISIONS = ("decision-agenda-bypass", "decision-no-recusal")
LEADERS = {
    "sj": ("cadre-nominee-by-one-person", "recruitment-tailored-conditions"),
    "yz": ("decision-one-voice", "it-vendor-lock-in", "donation-tied-to-purchase"),
    "fyz_nk": (
        "privilege-granted-unqualified",
        "dispute-excess-compensation",
        "insurance-phantom-inpatients",
    ),
    "fyz_wk": ("consumable-admission-brand", "consumable-use-unreviewed"),
    "fyz_yj": ("new-drug-committee-steering", "reagent-placement-lock-in"),
    "fyz_hq": (
        "tender-agency-designated",
        "construction-decision-bypass",
        "equipment-evaluation-bias",
        "service-exclusive-conditions",
    ),
    "jwsj": ("cadre-appointment-before-check", "decision-minutes-altered"),
    "zkjs": (
        "large-fund-splitting",
        "large-fund-lending",
        "pay-linked-to-revenue",
        "budget-unapproved-adjustment",
    ),
}
