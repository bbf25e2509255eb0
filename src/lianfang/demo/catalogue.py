"""What a demo hospital is made of: its leaders, departments, functions and posts.

Written for this project as plausible data for a Chinese municipal general hospital (三级综合医院).
The generator draws sizes, people and dates around it; everything named here is fixed.
"""

from dataclasses import dataclass, field

from lianfang.org.models import Department

CLINICAL = Department.Kind.CLINICAL
MEDICAL_TECH = Department.Kind.MEDICAL_TECH
ADMINISTRATIVE = Department.Kind.ADMINISTRATIVE
LOGISTICS = Department.Kind.LOGISTICS


@dataclass(frozen=True)
class Category:
    """A staff category: how likely a holder is a woman, and the titles (职称/职务) by seniority.

    `levels` run from most to least senior: (title, weight, (min, max) years of service).
    """

    female_share: float
    levels: tuple[tuple[str, float, tuple[int, int]], ...]


CATEGORIES = {
    "doctor": Category(
        0.45,
        (
            ("主任医师", 0.10, (20, 32)),
            ("副主任医师", 0.20, (12, 22)),
            ("主治医师", 0.35, (6, 14)),
            ("住院医师", 0.35, (1, 6)),
        ),
    ),
    "nurse": Category(
        0.95,
        (
            ("主任护师", 0.02, (22, 32)),
            ("副主任护师", 0.08, (15, 26)),
            ("主管护师", 0.30, (8, 18)),
            ("护师", 0.35, (3, 10)),
            ("护士", 0.25, (1, 4)),
        ),
    ),
    "tech": Category(
        0.55,
        (
            ("主任技师", 0.04, (22, 32)),
            ("副主任技师", 0.12, (14, 24)),
            ("主管技师", 0.32, (7, 16)),
            ("技师", 0.32, (3, 9)),
            ("技士", 0.20, (1, 4)),
        ),
    ),
    "pharmacist": Category(
        0.65,
        (
            ("主任药师", 0.04, (22, 32)),
            ("副主任药师", 0.12, (14, 24)),
            ("主管药师", 0.34, (7, 16)),
            ("药师", 0.32, (3, 9)),
            ("药士", 0.18, (1, 4)),
        ),
    ),
    "admin": Category(
        0.55,
        (
            ("一级主任科员", 0.08, (16, 30)),
            ("二级主任科员", 0.22, (8, 18)),
            ("科员", 0.70, (1, 10)),
        ),
    ),
    "accountant": Category(
        0.80,
        (
            ("高级会计师", 0.10, (15, 28)),
            ("会计师", 0.40, (6, 16)),
            ("助理会计师", 0.35, (2, 8)),
            ("会计", 0.15, (1, 4)),
        ),
    ),
    "engineer": Category(
        0.25,
        (
            ("高级工程师", 0.12, (15, 28)),
            ("工程师", 0.48, (6, 16)),
            ("助理工程师", 0.40, (1, 7)),
        ),
    ),
    "worker": Category(
        0.35,
        (
            ("高级工", 0.20, (12, 28)),
            ("中级工", 0.45, (5, 14)),
            ("工勤人员", 0.35, (1, 6)),
        ),
    ),
}


@dataclass(frozen=True)
class PostSpec:
    """A post of a department. `fixed` holders, or a `share` of the department's other staff."""

    key: str
    name: str
    category: str
    duties: str
    fixed: int = 0
    share: float = 0.0
    head: bool = False
    is_key: bool = False
    is_sensitive: bool = False
    rotation_years: int | None = None


def head_post(name: str, category: str, duties: str) -> PostSpec:
    return PostSpec("ZR", name, category, duties, fixed=1, head=True, is_key=True)


def sensitive_post(key, name, category, duties, fixed, rotation_years, is_key=True) -> PostSpec:
    return PostSpec(
        key,
        name,
        category,
        duties,
        fixed=fixed,
        is_key=is_key,
        is_sensitive=True,
        rotation_years=rotation_years,
    )


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    kind: str
    leader: str  # key of the leader in charge (分管)
    size: int  # typical headcount, before jitter and scaling to the hospital's total
    functions: tuple[str, ...]
    posts: tuple[PostSpec, ...]
    is_key: bool = False
    # (leader key, year the division changed hands): an earlier, closed 分管 for history.
    previous_leader: tuple[str, int] | None = None
    optional_functions: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class LeaderSpec:
    key: str
    post_code: str
    post_name: str
    category: str
    duties: str
    years_in_post: tuple[int, int]
    # (department code, post key) held before taking up the leadership post.
    previous: tuple[str, str] | None = None
    # The holder's 职务 when the post's name says more (the 副院长 posts are told apart by
    # what they are in charge of: posts of one department, or of the unit, differ in name).
    title: str = ""

    @property
    def person_title(self) -> str:
        return self.title or self.post_name


LEADERS = (
    LeaderSpec(
        "sj",
        "YLD-DWSJ",
        "党委书记",
        "admin",
        "主持党委全面工作，分管组织人事、宣传统战和安全保卫工作",
        (3, 8),
        ("DWBGS", "ZR"),
    ),
    LeaderSpec(
        "yz",
        "YLD-YZ",
        "院长",
        "doctor",
        "主持医院行政全面工作，分管行政管理、内部审计和信息化建设",
        (2, 7),
        ("YWK", "ZR"),
    ),
    LeaderSpec(
        "fyz_nk",
        "YLD-FYZ1",
        "副院长（分管医疗）",
        "doctor",
        "分管医疗质量与安全、医疗保险和内科系统临床科室",
        (2, 6),
        ("XNK", "ZR"),
        title="副院长",
    ),
    LeaderSpec(
        "fyz_wk",
        "YLD-FYZ2",
        "副院长（分管外科）",
        "doctor",
        "分管外科系统临床科室、急诊急救和手术麻醉工作",
        (2, 6),
        ("PWK", "ZR"),
        title="副院长",
    ),
    LeaderSpec(
        "fyz_yj",
        "YLD-FYZ3",
        "副院长（分管护理医技）",
        "nurse",
        "分管护理工作、医技科室和药事管理",
        (2, 6),
        ("HLB", "ZR"),
        title="副院长",
    ),
    LeaderSpec(
        "fyz_hq",
        "YLD-FYZ4",
        "副院长（分管后勤）",
        "engineer",
        "分管后勤保障、基本建设、医疗设备和招标采购工作",
        (2, 6),
        ("ZWK", "ZR"),
        title="副院长",
    ),
    LeaderSpec(
        "jwsj",
        "YLD-JWSJ",
        "纪委书记",
        "admin",
        "协助党委书记落实党风廉政建设责任制，分管纪检监察和廉政风险防控工作",
        (2, 6),
        ("JJJCS", "ZR"),
    ),
    LeaderSpec(
        "zkjs",
        "YLD-ZKJS",
        "总会计师",
        "accountant",
        "分管财务管理、价格管理和经济运行分析工作",
        (2, 7),
        ("CWK", "ZR"),
    ),
)

# Clinical departments share their posts and most of their functions; each adds its diseases
# and its signature techniques.
CLINICAL_OPTIONAL_FUNCTIONS = (
    "负责本科室医疗质量与安全管理，落实十八项医疗质量安全核心制度",
    "负责本科室药品、医用耗材的合理使用与管理，开展处方点评和耗材使用监测",
    "承担临床教学、住院医师规范化培训和进修医师带教，开展临床科研",
    "开展医德医风建设，落实行风建设“九项准则”",
)


def clinical_posts(extra: tuple[PostSpec, ...] = ()) -> tuple[PostSpec, ...]:
    return (
        head_post(
            "科主任",
            "doctor",
            "全面负责科室医疗、教学、科研和行政管理，是科室党风廉政建设第一责任人",
        ),
        PostSpec(
            "FZR",
            "副主任",
            "doctor",
            "协助科主任做好科室医疗质量管理和业务建设",
            fixed=1,
            is_key=True,
        ),
        PostSpec(
            "HSZ",
            "护士长",
            "nurse",
            "负责科室护理管理、护理质量控制、护理人员排班和物资保管",
            fixed=1,
            is_key=True,
        ),
        sensitive_post(
            "HCGL",
            "耗材管理员",
            "nurse",
            "负责科室医用耗材（含高值耗材）的申领、验收、使用登记和核对",
            fixed=1,
            rotation_years=3,
        ),
        *extra,
        PostSpec(
            "YS", "医师", "doctor", "负责分管病人的诊疗工作，执行各项医疗规章制度", share=0.42
        ),
        PostSpec("HS", "护士", "nurse", "负责病人的护理、治疗和健康教育工作", share=0.58),
    )


def clinical(code, name, leader, size, diseases, techniques, extra=(), is_key=False):
    return DepartmentSpec(
        code=code,
        name=name,
        kind=CLINICAL,
        leader=leader,
        size=size,
        functions=(f"承担{diseases}的门诊、急诊和住院诊疗工作", f"开展{techniques}"),
        optional_functions=CLINICAL_OPTIONAL_FUNCTIONS,
        posts=clinical_posts(extra),
        is_key=is_key,
    )


def admin_head(name="科长"):
    return head_post(name, "admin", "主持科室全面工作，对本科室业务管理和党风廉政建设负第一责任")


def clerk(name="科员", share=1.0, key="KY", category="admin", duties="承办科室日常业务工作"):
    return PostSpec(key, name, category, duties, share=share)


NARCOTICS_KEEPER = sensitive_post(
    "MZYP",
    "麻醉药品管理员",
    "nurse",
    "负责麻醉药品、第一类精神药品的领用、保管、使用登记和空安瓿回收",
    fixed=1,
    rotation_years=3,
)

DEPARTMENTS = (
    # Internal medicine (内科系统)
    clinical(
        "XNK",
        "心内科",
        "fyz_nk",
        56,
        "冠心病、高血压、心力衰竭、心律失常等心血管疾病",
        "冠状动脉介入治疗、心脏起搏器植入和射频消融等技术",
        is_key=True,
    ),
    clinical(
        "HXNK",
        "呼吸与危重症医学科",
        "fyz_nk",
        48,
        "慢性阻塞性肺疾病、哮喘、肺部感染等呼吸系统疾病",
        "支气管镜诊疗、无创通气和肺功能检查",
    ),
    clinical(
        "XHNK",
        "消化内科",
        "fyz_nk",
        46,
        "胃肠、肝胆、胰腺等消化系统疾病",
        "消化内镜诊断与治疗、内镜下黏膜剥离术",
    ),
    clinical(
        "SJNK",
        "神经内科",
        "fyz_nk",
        46,
        "脑血管病、癫痫、帕金森病等神经系统疾病",
        "急性脑卒中静脉溶栓和取栓绿色通道",
    ),
    clinical(
        "SNK",
        "肾内科",
        "fyz_nk",
        36,
        "肾小球疾病、慢性肾脏病和急性肾损伤",
        "血液透析、腹膜透析和肾穿刺活检",
    ),
    clinical(
        "NFMK",
        "内分泌科",
        "fyz_nk",
        32,
        "糖尿病、甲状腺疾病等内分泌代谢性疾病",
        "胰岛素泵治疗和动态血糖监测",
    ),
    clinical(
        "ZLK",
        "肿瘤科",
        "fyz_nk",
        40,
        "各类恶性肿瘤",
        "化学治疗、靶向治疗和多学科诊疗（MDT）",
    ),
    clinical(
        "EK",
        "儿科",
        "fyz_nk",
        50,
        "儿童常见病、多发病及新生儿疾病",
        "新生儿重症监护和儿童哮喘规范化管理",
    ),
    clinical(
        "ZYK",
        "中医科",
        "fyz_nk",
        26,
        "内科杂病及慢性病",
        "中药、针灸、推拿等中医特色诊疗",
    ),
    clinical(
        "KFYXK",
        "康复医学科",
        "fyz_nk",
        28,
        "神经、骨关节疾病及术后功能障碍",
        "物理治疗、作业治疗和言语吞咽康复",
    ),
    # Surgery (外科系统)
    clinical(
        "PWK",
        "普外科",
        "fyz_wk",
        56,
        "胃肠、肝胆、甲状腺、乳腺、疝等普通外科疾病",
        "腹腔镜微创手术和加速康复外科",
        is_key=True,
    ),
    clinical(
        "GK",
        "骨科",
        "fyz_wk",
        54,
        "创伤骨折、脊柱和关节疾病",
        "关节置换、脊柱内固定和关节镜手术",
        is_key=True,
    ),
    clinical(
        "SJWK",
        "神经外科",
        "fyz_wk",
        38,
        "颅脑损伤、脑肿瘤和脑血管病",
        "显微神经外科和神经介入手术",
    ),
    clinical(
        "XXWK",
        "心胸外科",
        "fyz_wk",
        30,
        "心脏、大血管、肺和食管疾病",
        "胸腔镜手术和体外循环心脏手术",
    ),
    clinical(
        "MNWK",
        "泌尿外科",
        "fyz_wk",
        34,
        "泌尿系结石、肿瘤和前列腺疾病",
        "输尿管软镜碎石和腹腔镜手术",
    ),
    clinical(
        "FCK",
        "妇产科",
        "fyz_wk",
        58,
        "妇科疾病、孕产期保健和分娩",
        "宫腹腔镜手术和危重孕产妇救治",
    ),
    clinical(
        "YK",
        "眼科",
        "fyz_wk",
        22,
        "白内障、青光眼、眼底病等眼科疾病",
        "白内障超声乳化和玻璃体切割手术",
    ),
    clinical(
        "EBYHK",
        "耳鼻咽喉头颈外科",
        "fyz_wk",
        24,
        "耳鼻咽喉及头颈部疾病",
        "鼻内镜手术和听力学检查",
    ),
    clinical(
        "KQK",
        "口腔科",
        "fyz_wk",
        22,
        "牙体牙髓病、牙周病及口腔颌面部疾病",
        "种植修复和口腔正畸",
    ),
    clinical(
        "JZK",
        "急诊科",
        "fyz_wk",
        52,
        "各类急危重症",
        "院前急救、胸痛和卒中中心绿色通道",
        is_key=True,
    ),
    clinical(
        "ZZYXK",
        "重症医学科",
        "fyz_wk",
        40,
        "多器官功能障碍等危重症",
        "连续性血液净化和体外膜肺氧合（ECMO）",
        extra=(NARCOTICS_KEEPER,),
    ),
    clinical(
        "MZK",
        "麻醉科",
        "fyz_wk",
        44,
        "手术麻醉和围术期管理",
        "舒适化医疗和术后镇痛",
        extra=(NARCOTICS_KEEPER,),
    ),
    # Medical technology (医技科室)
    DepartmentSpec(
        "JYK",
        "检验科",
        MEDICAL_TECH,
        "fyz_yj",
        48,
        (
            "承担临床生化、免疫、微生物和临床检验工作",
            "负责检验质量控制和室间质评，保证检验结果准确及时",
            "负责检验试剂、耗材的申领、验收和库存管理",
        ),
        (
            head_post("科主任", "tech", "全面负责检验科业务、质量和行政管理"),
            sensitive_post(
                "SJGL",
                "试剂耗材管理员",
                "tech",
                "负责检验试剂和耗材的申领、验收、出入库登记",
                fixed=2,
                rotation_years=3,
            ),
            PostSpec("JS", "检验技师", "tech", "按规程开展标本检验，审核并发出报告", share=1.0),
        ),
        is_key=True,
    ),
    DepartmentSpec(
        "FSK",
        "放射科",
        MEDICAL_TECH,
        "fyz_yj",
        44,
        (
            "承担X线、CT、磁共振等影像检查和诊断工作",
            "负责放射防护和大型医用设备的使用管理",
            "开展影像引导下的介入诊疗",
        ),
        (
            head_post("科主任", "doctor", "全面负责放射科业务、质量、放射防护和行政管理"),
            PostSpec("ZDYS", "诊断医师", "doctor", "负责影像诊断和报告书写", share=0.45),
            PostSpec("JS", "影像技师", "tech", "负责影像设备操作和图像采集", share=0.45),
            PostSpec("HS", "护士", "nurse", "负责增强检查的护理和对比剂管理", share=0.10),
        ),
    ),
    DepartmentSpec(
        "CSK",
        "超声医学科",
        MEDICAL_TECH,
        "fyz_yj",
        24,
        ("承担腹部、心脏、血管和妇产超声检查与诊断", "开展超声引导下的穿刺活检和介入治疗"),
        (
            head_post("科主任", "doctor", "全面负责超声医学科业务、质量和行政管理"),
            PostSpec("ZDYS", "超声医师", "doctor", "负责超声检查和报告书写", share=1.0),
        ),
    ),
    DepartmentSpec(
        "BLK",
        "病理科",
        MEDICAL_TECH,
        "fyz_yj",
        16,
        ("承担手术和活检标本的组织病理、细胞病理诊断", "开展免疫组化和分子病理检测"),
        (
            head_post("科主任", "doctor", "全面负责病理科业务、质量和行政管理"),
            sensitive_post(
                "SJGL",
                "试剂耗材管理员",
                "tech",
                "负责病理试剂和耗材的申领、验收、出入库登记",
                fixed=1,
                rotation_years=3,
            ),
            PostSpec("ZDYS", "病理医师", "doctor", "负责病理诊断和报告签发", share=0.5),
            PostSpec("JS", "病理技师", "tech", "负责标本取材、制片和染色", share=0.5),
        ),
    ),
    DepartmentSpec(
        "YJK",
        "药剂科",
        MEDICAL_TECH,
        "fyz_yj",
        56,
        (
            "负责药品的采购计划、验收、储存、调剂和供应",
            "开展处方审核、处方点评和临床药学服务，促进合理用药",
            "负责麻醉药品、精神药品等特殊药品的管理",
            "承担药事管理与药物治疗学委员会日常工作",
        ),
        (
            head_post("科主任", "pharmacist", "全面负责药剂科业务、药事管理和行政管理"),
            sensitive_post(
                "YPCG",
                "药品采购员",
                "pharmacist",
                "按集中采购目录编制并执行药品采购计划，对接配送企业",
                fixed=2,
                rotation_years=3,
            ),
            sensitive_post(
                "YKGL",
                "药库管理员",
                "pharmacist",
                "负责药品验收入库、储存养护、出库和盘点",
                fixed=2,
                rotation_years=3,
            ),
            PostSpec(
                "CFSH",
                "处方审核药师",
                "pharmacist",
                "负责门急诊和住院处方、医嘱的前置审核",
                fixed=2,
                is_key=True,
            ),
            PostSpec(
                "LCYS", "临床药师", "pharmacist", "参与临床查房和会诊，开展用药监护", share=0.15
            ),
            PostSpec("TJYS", "调剂药师", "pharmacist", "负责门急诊、住院药房调剂发药", share=0.85),
        ),
        is_key=True,
        previous_leader=("yz", 2024),
    ),
    # Administration (行政职能科室)
    DepartmentSpec(
        "DWBGS",
        "党委办公室",
        ADMINISTRATIVE,
        "sj",
        8,
        (
            "负责党委会议组织、文件起草和党委决策督办",
            "负责基层党组织建设、党员教育管理和发展党员工作",
            "负责宣传思想、意识形态和精神文明建设",
        ),
        (admin_head("主任"), clerk("党务干事", 0.6, "DWGS"), clerk("宣传干事", 0.4, "XCGS")),
    ),
    DepartmentSpec(
        "YBGS",
        "院长办公室",
        ADMINISTRATIVE,
        "yz",
        10,
        (
            "负责院长办公会议组织、公文处理和督查督办",
            "负责医院综合协调、对外联络和接待工作",
            "负责档案、印章和院务公开管理",
        ),
        (
            admin_head("主任"),
            PostSpec("DAGL", "档案管理员", "admin", "负责医院文书档案和印章管理", fixed=1),
            clerk("秘书", 0.5, "MS"),
            clerk(),
        ),
    ),
    DepartmentSpec(
        "JJJCS",
        "纪检监察室",
        ADMINISTRATIVE,
        "jwsj",
        6,
        (
            "负责党风廉政建设和反腐败工作的组织协调与监督检查",
            "受理信访举报，调查处理违纪违规问题",
            "组织廉政风险排查和防控，开展廉洁教育",
        ),
        (
            admin_head("主任"),
            clerk("纪检监察干事", 1.0, "JJGS", duties="承办监督检查、信访举报和案件调查工作"),
        ),
    ),
    DepartmentSpec(
        "YWK",
        "医务科",
        ADMINISTRATIVE,
        "fyz_nk",
        10,
        (
            "负责医疗质量与安全管理和医疗技术准入",
            "负责医师执业注册、处方权和手术分级授权管理",
            "负责医疗纠纷的接待、调解和处理",
        ),
        (
            admin_head(),
            PostSpec(
                "YLJF",
                "医疗纠纷处理专员",
                "admin",
                "负责医疗纠纷接待、调解和赔付审核",
                fixed=1,
                is_key=True,
            ),
            clerk("医疗管理干事", 1.0, "YLGS"),
        ),
        is_key=True,
    ),
    DepartmentSpec(
        "HLB",
        "护理部",
        ADMINISTRATIVE,
        "fyz_yj",
        7,
        ("负责全院护理质量管理和护理安全", "负责护理人员培训、考核和调配"),
        (
            head_post("主任", "nurse", "全面负责全院护理管理工作"),
            PostSpec("HLGS", "护理干事", "nurse", "承办护理质量检查和护理培训工作", share=1.0),
        ),
    ),
    DepartmentSpec(
        "RSK",
        "人事科",
        ADMINISTRATIVE,
        "sj",
        10,
        (
            "负责人员招聘、岗位设置和职称评聘",
            "负责工资福利、社会保险和绩效工资核算发放",
            "负责干部人事档案管理",
        ),
        (
            admin_head(),
            sensitive_post(
                "XCZY",
                "薪酬专员",
                "admin",
                "负责工资、津贴和绩效工资的核算与发放",
                fixed=1,
                rotation_years=5,
            ),
            sensitive_post(
                "RSZY",
                "人事专员",
                "admin",
                "负责招聘考试、职称评审和人员调配的具体工作",
                fixed=2,
                rotation_years=5,
            ),
            clerk(),
        ),
        is_key=True,
    ),
    DepartmentSpec(
        "CWK",
        "财务科",
        ADMINISTRATIVE,
        "zkjs",
        30,
        (
            "负责会计核算、预算编制执行和财务分析",
            "负责资金收付、票据管理和门诊住院收费管理",
            "负责医疗服务价格执行和成本核算",
        ),
        (
            head_post("科长", "accountant", "主持财务科全面工作，负责资金安全和会计监督"),
            sensitive_post("CN", "出纳", "accountant", "负责现金、银行存款收付和票据保管", 2, 3),
            PostSpec(
                "JGGL",
                "价格管理员",
                "accountant",
                "负责医疗服务价格的执行与公示",
                fixed=1,
                is_key=True,
            ),
            PostSpec("KJ", "会计", "accountant", "负责会计凭证审核、记账和报表编制", share=0.4),
            PostSpec(
                "SFY",
                "收费员",
                "accountant",
                "负责门诊、住院费用收取和结算",
                share=0.6,
                is_sensitive=True,
                rotation_years=5,
            ),
        ),
        is_key=True,
    ),
    DepartmentSpec(
        "CGZX",
        "采购中心",
        ADMINISTRATIVE,
        "fyz_hq",
        11,
        (
            "负责医院货物、工程和服务的招标采购组织实施",
            "负责供应商遴选、资质审核和履约评价",
            "负责采购合同的起草、审核和归档管理",
        ),
        (
            admin_head("主任"),
            sensitive_post("CGY", "采购员", "admin", "负责采购需求论证、询价比价和采购执行", 3, 3),
            sensitive_post(
                "ZBZY", "招标专员", "admin", "负责招标文件编制、开评标组织和结果公示", 2, 3
            ),
            sensitive_post(
                "HTGL", "合同管理员", "admin", "负责采购合同的审核、签订和履约跟踪", 1, 5
            ),
            clerk(),
        ),
        is_key=True,
        previous_leader=("zkjs", 2023),
    ),
    DepartmentSpec(
        "SJK",
        "审计科",
        ADMINISTRATIVE,
        "yz",
        6,
        ("负责财务收支、经济合同和基建项目的内部审计", "开展经济责任审计和内部控制评价"),
        (
            admin_head(),
            PostSpec("SJY", "审计员", "accountant", "承办内部审计项目", share=1.0, is_key=True),
        ),
    ),
    DepartmentSpec(
        "YBB",
        "医保办",
        ADMINISTRATIVE,
        "fyz_nk",
        8,
        (
            "负责医保政策执行和医保基金使用管理",
            "负责医保费用审核、结算对账和违规扣款申诉",
            "开展医保基金使用自查自纠",
        ),
        (
            admin_head("主任"),
            PostSpec(
                "YBZY",
                "医保专员",
                "admin",
                "负责医保费用审核、结算和政策咨询",
                share=1.0,
                is_sensitive=True,
                rotation_years=5,
            ),
        ),
    ),
    DepartmentSpec(
        "XXZX",
        "信息中心",
        ADMINISTRATIVE,
        "yz",
        14,
        (
            "负责医院信息系统的规划、建设和运行维护",
            "负责网络与数据安全和等级保护工作",
            "负责信息化项目的需求论证和验收",
        ),
        (
            head_post("主任", "engineer", "全面负责医院信息化建设和网络安全"),
            PostSpec(
                "WAGL",
                "网络安全管理员",
                "engineer",
                "负责网络安全防护、权限管理和安全审计",
                fixed=1,
                is_key=True,
            ),
            PostSpec("GCS", "信息工程师", "engineer", "负责信息系统运维和技术支持", share=1.0),
        ),
    ),
    # Logistics (后勤保障)
    DepartmentSpec(
        "ZWK",
        "总务科",
        LOGISTICS,
        "fyz_hq",
        34,
        (
            "负责水电气暖、物业、餐饮和保洁等后勤保障",
            "负责办公用品和后勤物资的采购、入库和发放",
            "负责医疗废物处置和后勤外包服务监管",
        ),
        (
            admin_head(),
            sensitive_post(
                "WZCG", "物资采购员", "admin", "负责后勤物资的询价采购和供应商对接", 2, 3
            ),
            sensitive_post("KGY", "库管员", "worker", "负责物资验收入库、保管、发放和盘点", 2, 5),
            PostSpec(
                "HQ", "后勤保障人员", "worker", "承担维修、运送和设施运行等保障工作", share=1.0
            ),
        ),
        is_key=True,
    ),
    DepartmentSpec(
        "JJK",
        "基建科",
        LOGISTICS,
        "fyz_hq",
        10,
        (
            "负责医院新建、改扩建工程的项目管理",
            "负责工程预算、签证变更和竣工结算的初审",
            "负责房屋建筑的维修改造",
        ),
        (
            head_post("科长", "engineer", "主持基建科全面工作，负责工程项目的质量、进度和廉洁"),
            sensitive_post(
                "XMGL",
                "基建项目管理员",
                "engineer",
                "负责工程现场管理、隐蔽工程验收和签证变更",
                3,
                3,
            ),
            sensitive_post("YSY", "工程预算员", "engineer", "负责工程量清单、预算和结算初审", 1, 5),
            PostSpec("GCS", "工程师", "engineer", "承担工程技术和维修改造工作", share=1.0),
        ),
        is_key=True,
    ),
    DepartmentSpec(
        "SBK",
        "设备科",
        LOGISTICS,
        "fyz_hq",
        14,
        (
            "负责医疗设备和医用耗材的采购计划、验收与管理",
            "负责医疗设备的维护维修、计量和报废处置",
            "负责大型医用设备配置论证和效益分析",
        ),
        (
            head_post("科长", "engineer", "主持设备科全面工作，负责设备耗材管理与廉洁"),
            sensitive_post(
                "SBCG",
                "设备耗材采购员",
                "engineer",
                "负责医疗设备和耗材的采购执行与合同跟踪",
                2,
                3,
            ),
            sensitive_post(
                "SBKG", "设备库管员", "worker", "负责设备耗材的验收入库和出库登记", 1, 5
            ),
            PostSpec("WXGC", "维修工程师", "engineer", "负责医疗设备维修和预防性维护", share=1.0),
        ),
        is_key=True,
    ),
    DepartmentSpec(
        "BWK",
        "保卫科",
        LOGISTICS,
        "sj",
        20,
        ("负责医院治安保卫、消防安全和视频监控管理", "负责突发事件处置和医患纠纷现场秩序维护"),
        (
            admin_head(),
            clerk("保卫干事", 0.2, "BWGS"),
            PostSpec("BAY", "保安员", "worker", "负责门岗值守、巡逻和秩序维护", share=0.8),
        ),
    ),
)

DEPARTMENT_BY_CODE = {spec.code: spec for spec in DEPARTMENTS}
LEADER_BY_KEY = {spec.key: spec for spec in LEADERS}

# Roads for the hospitals' addresses.
ROADS = ("人民路", "解放路", "健康路", "中山路", "建设大道", "长江路", "新华街", "和平路")
