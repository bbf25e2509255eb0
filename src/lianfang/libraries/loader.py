"""Read and check the standard library packs (YAML) shipped in this directory.

A pack holds one sector's standard powers (权力事项) with their flow steps (流程环节), its
standard integrity risk points and the measures that control them. Every item has a stable
urn; the pack has a version that is bumped whenever its content changes. The schema is
described in README.md next to this file.

No database on purpose: importing a pack into the database is the risks app's job; this
module only parses and checks. It reads its vocabulary (categories, kinds of matter, criteria)
and the vagueness rule from the models' apps, so it needs Django set up, nothing more.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from lianfang.org.models import Power
from lianfang.risks import grading, vagueness
from lianfang.risks.models import Category, GenericPhrase

LIBRARY_DIR = Path(__file__).resolve().parent

# The C loader when PyYAML has it (seven times faster on the hospital pack), otherwise the
# pure-Python one; both are the safe loader: plain data only, no Python tags.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CJK = re.compile(r"[\u3400-\u9fff]")
_SLUG = r"[a-z0-9]+(?:[-_][a-z0-9]+)*"
_SLUG_RE = re.compile(rf"^{_SLUG}$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class LibraryError(Exception):
    """A pack cannot be found or read. `errors` lists the problems in Chinese."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = list(errors or [])


@dataclass(frozen=True)
class Text:
    """A text in both languages of a pack."""

    zh: str = ""
    en: str = ""

    def __str__(self) -> str:
        return self.zh


@dataclass(frozen=True)
class StepSpec:
    urn: str
    key: str
    name: Text
    control_point: bool


@dataclass(frozen=True)
class PowerSpec:
    urn: str
    code: str
    category: str
    name: Text
    basis: Text
    department: str
    posts: tuple[str, ...]
    duties: Text
    time_limit_days: int | None
    public: bool
    steps: tuple[StepSpec, ...]

    def step(self, key: str) -> StepSpec | None:
        return next((s for s in self.steps if s.key == key), None)


@dataclass(frozen=True)
class RiskPointSpec:
    urn: str
    power: str
    step: str | None
    category: str
    name: Text
    manifestation: Text
    likelihood: int | None
    harm: int | None
    matter_kind: str | None
    criteria: tuple[str, ...]
    measures: tuple[str, ...]


@dataclass(frozen=True)
class MeasureSpec:
    urn: str
    text: Text
    owner: Text


@dataclass(frozen=True)
class Pack:
    key: str
    urn: str
    version: int | None
    sector: str
    name: Text
    description: Text
    powers: tuple[PowerSpec, ...]
    risk_points: tuple[RiskPointSpec, ...]
    measures: tuple[MeasureSpec, ...]
    # Problems of shape found while parsing (wrong types, unknown fields); validate() reports
    # them first.
    format_errors: tuple[str, ...] = field(default=(), compare=False, repr=False)
    released: dt.date | None = None  # when this version was published (what users read)

    def power(self, urn: str) -> PowerSpec | None:
        return next((p for p in self.powers if p.urn == urn), None)

    def measure(self, urn: str) -> MeasureSpec | None:
        return next((m for m in self.measures if m.urn == urn), None)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "powers": len(self.powers),
            "steps": sum(len(p.steps) for p in self.powers),
            "control_points": sum(1 for p in self.powers for s in p.steps if s.control_point),
            "risk_points": len(self.risk_points),
            "measures": len(self.measures),
        }


@dataclass(frozen=True)
class PackInfo:
    key: str
    urn: str
    version: int | None
    sector: str
    name: Text
    counts: dict[str, int]
    released: dt.date | None = None
    description: Text = field(default_factory=Text)


# --- reading ---------------------------------------------------------------------------


def list_packs(directory: Path | None = None) -> list[PackInfo]:
    """Metadata of every pack in `directory` (default: the shipped packs), sorted by key."""
    infos = []
    for path in sorted(_directory(directory).glob("*.yaml")):
        pack = load_pack(path.stem, directory)
        infos.append(
            PackInfo(
                key=pack.key,
                urn=pack.urn,
                version=pack.version,
                sector=pack.sector,
                name=pack.name,
                counts=pack.counts,
                released=pack.released,
                description=pack.description,
            )
        )
    return infos


def load_pack(key: str, directory: Path | None = None, *, check: bool = False) -> Pack:
    """Read the pack `<key>.yaml`. With check=True, refuse a pack that does not validate."""
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise LibraryError(f"标准库名称「{key}」不合法：只能使用小写字母、数字和下划线")
    path = _directory(directory) / f"{key}.yaml"
    if not path.is_file():
        raise LibraryError(f"找不到标准库「{key}」")
    stat = path.stat()
    pack = _read_pack(str(path), key, stat.st_mtime_ns, stat.st_size)
    if check:
        errors = validate(pack)
        if errors:
            raise LibraryError(f"标准库「{key}」有 {len(errors)} 处错误", errors)
    return pack


@lru_cache(maxsize=32)
def _read_pack(path: str, key: str, mtime_ns: int, size: int) -> Pack:
    # Packs are immutable, so one parse per file version is shared; the stat values in the
    # cache key make an edited file reload.
    return parse_pack(Path(path).read_text(encoding="utf-8"), key=key)


def parse_pack(source: str | Mapping, *, key: str) -> Pack:
    """Build a Pack from YAML text or an already-loaded mapping.

    Only a text that is not YAML, or not a mapping at its top, raises LibraryError; every
    other problem is kept in `format_errors` or left for validate() to find, so one run
    reports all of a pack's errors at once.
    """
    if isinstance(source, str):
        try:
            data = yaml.load(source, Loader=_SafeLoader)  # noqa: S506 (a safe loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"第 {mark.line + 1} 行" if mark is not None else ""
            raise LibraryError(f"标准库「{key}」不是合法的 YAML{where}：{exc}") from exc
    else:
        data = source
    if not isinstance(data, Mapping):
        raise LibraryError(f"标准库「{key}」的顶层必须是键值映射")
    return _Parser(key).pack(data)


class _Parser:
    PACK_FIELDS = {
        "urn",
        "version",
        "released",
        "sector",
        "name",
        "description",
        "powers",
        "risk_points",
        "measures",
    }
    POWER_FIELDS = {
        "urn",
        "code",
        "category",
        "name",
        "basis",
        "department",
        "posts",
        "duties",
        "time_limit_days",
        "public",
        "steps",
    }
    STEP_FIELDS = {"key", "name", "control_point"}
    RISK_FIELDS = {
        "urn",
        "power",
        "step",
        "category",
        "name",
        "manifestation",
        "likelihood",
        "harm",
        "matter_kind",
        "criteria",
        "measures",
    }
    MEASURE_FIELDS = {"urn", "text", "owner"}

    def __init__(self, key: str):
        self.key = key
        self.problems: list[str] = []

    def pack(self, data: Mapping) -> Pack:
        where = f"标准库「{self.key}」"
        self._fields(data, self.PACK_FIELDS, where)
        powers = [
            self.power(item, f"权力事项第 {i} 项")
            for i, item in self._items(data, "powers", where, "权力事项")
        ]
        risk_points = [
            self.risk_point(item, f"风险点第 {i} 项")
            for i, item in self._items(data, "risk_points", where, "风险点")
        ]
        measures = [
            self.measure(item, f"防控措施第 {i} 项")
            for i, item in self._items(data, "measures", where, "防控措施")
        ]
        return Pack(
            key=self.key,
            urn=self._str(data, "urn", where),
            version=self._int(data, "version", where),
            sector=self._str(data, "sector", where),
            name=self._text(data, "name", where),
            description=self._text(data, "description", where),
            powers=tuple(powers),
            risk_points=tuple(risk_points),
            measures=tuple(measures),
            format_errors=tuple(self.problems),
            released=self._date(data, "released", where),
        )

    def power(self, data: Mapping, where: str) -> PowerSpec:
        urn = self._str(data, "urn", where)
        where = _label("权力事项", urn, where)
        self._fields(data, self.POWER_FIELDS, where)
        steps = []
        for i, item in self._items(data, "steps", where, "环节"):
            step_where = f"{where}的环节第 {i} 项"
            self._fields(item, self.STEP_FIELDS, step_where)
            step_key = self._str(item, "key", step_where)
            steps.append(
                StepSpec(
                    urn=f"{urn}:{step_key}",
                    key=step_key,
                    name=self._text(item, "name", step_where),
                    control_point=self._bool(item, "control_point", step_where),
                )
            )
        return PowerSpec(
            urn=urn,
            code=self._str(data, "code", where),
            category=self._str(data, "category", where),
            name=self._text(data, "name", where),
            basis=self._text(data, "basis", where),
            department=self._str(data, "department", where),
            posts=self._strs(data, "posts", where),
            duties=self._text(data, "duties", where),
            time_limit_days=self._int(data, "time_limit_days", where),
            public=self._bool(data, "public", where),
            steps=tuple(steps),
        )

    def risk_point(self, data: Mapping, where: str) -> RiskPointSpec:
        urn = self._str(data, "urn", where)
        where = _label("风险点", urn, where)
        self._fields(data, self.RISK_FIELDS, where)
        return RiskPointSpec(
            urn=urn,
            power=self._str(data, "power", where),
            step=self._str(data, "step", where) or None,
            category=self._str(data, "category", where),
            name=self._text(data, "name", where),
            manifestation=self._text(data, "manifestation", where),
            likelihood=self._int(data, "likelihood", where),
            harm=self._int(data, "harm", where),
            matter_kind=self._str(data, "matter_kind", where) or None,
            criteria=self._strs(data, "criteria", where),
            measures=self._strs(data, "measures", where),
        )

    def measure(self, data: Mapping, where: str) -> MeasureSpec:
        urn = self._str(data, "urn", where)
        where = _label("防控措施", urn, where)
        self._fields(data, self.MEASURE_FIELDS, where)
        return MeasureSpec(
            urn=urn,
            text=self._text(data, "text", where),
            owner=self._text(data, "owner", where),
        )

    # -- field readers: coerce to the declared type, record what does not fit

    def _fields(self, data: Mapping, allowed: set[str], where: str) -> None:
        for name in data:
            if name not in allowed:
                self.problems.append(f"{where}：未知字段「{name}」")

    def _items(self, data: Mapping, name: str, where: str, label: str):
        value = data.get(name)
        if value is None:
            return
        if not isinstance(value, list):
            self.problems.append(f"{where}：「{name}」必须是{label}的列表")
            return
        for i, item in enumerate(value, start=1):
            if isinstance(item, Mapping):
                yield i, item
            else:
                self.problems.append(f"{where}：{label}第 {i} 项必须是键值映射")

    def _str(self, data: Mapping, name: str, where: str) -> str:
        value = data.get(name)
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        self.problems.append(f"{where}：「{name}」必须是文本，现为 {value!r}")
        return ""

    def _strs(self, data: Mapping, name: str, where: str) -> tuple[str, ...]:
        value = data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(f"{where}：「{name}」必须是文本列表")
            return ()
        return tuple(v.strip() for v in value)

    def _int(self, data: Mapping, name: str, where: str) -> int | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems.append(f"{where}：「{name}」必须是整数，现为 {value!r}")
            return None
        return value

    def _date(self, data: Mapping, name: str, where: str) -> dt.date | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.problems.append(f"{where}：「{name}」必须是日期（如 2026-12-06），现为 {value!r}")
            return None
        return value

    def _bool(self, data: Mapping, name: str, where: str) -> bool:
        value = data.get(name, False)
        if not isinstance(value, bool):
            self.problems.append(f"{where}：「{name}」必须是 true 或 false，现为 {value!r}")
            return False
        return value

    def _text(self, data: Mapping, name: str, where: str) -> Text:
        value = data.get(name)
        if value is None:
            return Text()
        if not isinstance(value, Mapping):
            self.problems.append(f"{where}：「{name}」必须写成 {{zh: 中文, en: English}}")
            return Text()
        for lang in value:
            if lang not in ("zh", "en"):
                self.problems.append(f"{where}：「{name}」含未知语言「{lang}」")
        parts = {}
        for lang in ("zh", "en"):
            part = value.get(lang)
            if part is not None and not isinstance(part, str):
                self.problems.append(f"{where}：「{name}.{lang}」必须是文本")
                part = None
            # English may be folded over several lines; Chinese is kept exactly as written.
            parts[lang] = " ".join(part.split()) if lang == "en" and part else (part or "").strip()
        return Text(**parts)


def _label(kind: str, urn: str, fallback: str) -> str:
    return f"{kind}「{urn}」" if urn else fallback


def _directory(directory: Path | None) -> Path:
    return Path(directory) if directory is not None else LIBRARY_DIR


# --- checking ------------------------------------------------------------------------


def validate(pack: Pack | Mapping | str) -> list[str]:
    """Every problem of one pack, as Chinese sentences naming the item; [] when it is sound."""
    if not isinstance(pack, Pack):
        try:
            pack = parse_pack(pack, key="")
        except LibraryError as exc:
            return [str(exc)]
    return _Checker(pack).run()


def validate_packs(packs: list[Pack]) -> list[str]:
    """validate() for each pack, plus urns and power codes unique across all of them."""
    errors: list[str] = []
    seen: dict[str, str] = {}
    codes: dict[str, str] = {}
    for pack in packs:
        errors.extend(f"标准库「{pack.key}」：{e}" for e in validate(pack))
        for urn in _urns(pack):
            if urn in seen and seen[urn] != pack.key:
                errors.append(f"标识「{urn}」同时出现在标准库「{seen[urn]}」和「{pack.key}」")
            seen.setdefault(urn, pack.key)
        for power in pack.powers:
            if power.code in codes and codes[power.code] != pack.key:
                errors.append(
                    f"编码「{power.code}」同时出现在标准库「{codes[power.code]}」和「{pack.key}」"
                )
            codes.setdefault(power.code, pack.key)
    return errors


def _urns(pack: Pack):
    yield pack.urn
    for power in pack.powers:
        yield power.urn
        for step in power.steps:
            yield step.urn
    for risk in pack.risk_points:
        yield risk.urn
    for measure in pack.measures:
        yield measure.urn


class _Checker:
    def __init__(self, pack: Pack):
        self.pack = pack
        self.errors: list[str] = list(pack.format_errors)
        self.urns: set[str] = set()
        phrases = vagueness.default_phrases()
        self.phrases = [p for p in phrases if p.kind == GenericPhrase.Kind.POINT]
        self.measure_phrases = [p for p in phrases if p.kind == GenericPhrase.Kind.MEASURE]

    def run(self) -> list[str]:
        self.check_pack()
        powers = {}
        codes: set[str] = set()
        for power in self.pack.powers:
            self.check_power(power, codes)
            powers.setdefault(power.urn, power)
        measures = {}
        for measure in self.pack.measures:
            self.check_measure(measure)
            measures.setdefault(measure.urn, measure)
        used: set[str] = set()
        manifestations: dict[str, str] = {}
        for risk in self.pack.risk_points:
            self.check_risk(risk, powers, measures, manifestations)
            used.update(risk.measures)
        for measure in self.pack.measures:
            if measure.urn and measure.urn not in used:
                self.errors.append(f"防控措施「{measure.urn}」没有被任何风险点引用")
        return self.errors

    def check_pack(self) -> None:
        pack, where = self.pack, f"标准库「{self.pack.key}」" if self.pack.key else "标准库"
        if not pack.sector:
            self.errors.append(f"{where}：缺少 sector（行业）")
        elif not _SLUG_RE.match(pack.sector):
            self.errors.append(f"{where}：sector「{pack.sector}」只能使用小写字母、数字、- 和 _")
        expected = f"urn:lianfang:library:{pack.sector}"
        if not pack.urn:
            self.errors.append(f"{where}：缺少 urn")
        elif pack.urn != expected:
            self.errors.append(f"{where}：urn「{pack.urn}」格式不对，应为「{expected}」")
        self.unique(pack.urn, where)
        if pack.version is None:
            self.errors.append(f"{where}：缺少版本号 version")
        elif pack.version < 1:
            self.errors.append(f"{where}：版本号须为正整数，现为 {pack.version}")
        self.text(pack.name, where, "名称")
        self.text(pack.description, where, "说明")

    def check_power(self, power: PowerSpec, codes: set[str]) -> None:
        where = _label("权力事项", power.urn, "权力事项")
        self.item_urn(power.urn, "power", where)
        if not power.code:
            self.errors.append(f"{where}：缺少编码 code")
        elif power.code in codes:
            self.errors.append(f"{where}：编码「{power.code}」重复")
        codes.add(power.code)
        self.key_in(power.category, Power.Category.values, where, "权力类别")
        self.text(power.name, where, "名称")
        self.text(power.basis, where, "行使依据")
        self.text(power.duties, where, "责任事项")
        if not power.department:
            self.errors.append(f"{where}：缺少承办部门 department")
        if not power.posts or not all(power.posts):
            self.errors.append(f"{where}：承办岗位 posts 至少列出一个岗位，且不能为空")
        if power.time_limit_days is not None and power.time_limit_days < 1:
            self.errors.append(
                f"{where}：办理期限须为正整数天数或留空，现为 {power.time_limit_days}"
            )
        if not power.steps:
            self.errors.append(f"{where}：至少要有一个流程环节")
        keys: set[str] = set()
        for step in power.steps:
            step_where = f"{where}的环节「{step.key}」"
            if not step.key:
                self.errors.append(f"{where}：有环节缺少 key")
            elif not _SLUG_RE.match(step.key):
                self.errors.append(f"{step_where}：key 只能使用小写字母、数字、- 和 _")
            elif step.key in keys:
                self.errors.append(f"{where}：环节 key「{step.key}」重复")
            else:
                self.unique(step.urn, step_where)
            keys.add(step.key)
            self.text(step.name, step_where, "名称")

    def check_measure(self, measure: MeasureSpec) -> None:
        where = _label("防控措施", measure.urn, "防控措施")
        self.item_urn(measure.urn, "measure", where)
        if self.text(measure.text, where, "措施内容"):
            self.specific(measure.text.zh, where, "措施内容", "text")
            for problem in vagueness.measure_problems(
                measure.text.zh, self.measure_phrases, label="措施内容"
            ):
                self.errors.append(f"{where}：{problem.message}")
        self.text(measure.owner, where, "责任人")

    def check_risk(self, risk: RiskPointSpec, powers, measures, manifestations) -> None:
        where = _label("风险点", risk.urn, "风险点")
        self.item_urn(risk.urn, "risk", where)
        power = powers.get(risk.power)
        if not risk.power:
            self.errors.append(f"{where}：缺少所属权力事项 power")
        elif power is None:
            self.errors.append(f"{where}：所属权力事项「{risk.power}」不存在")
        elif risk.step and power.step(risk.step) is None:
            self.errors.append(f"{where}：权力事项「{risk.power}」没有环节「{risk.step}」")
        self.key_in(risk.category, Category.values, where, "风险类别")
        self.text(risk.name, where, "名称")
        if self.text(risk.manifestation, where, "表现形式"):
            self.specific(risk.manifestation.zh, where, "表现形式", "manifestation")
            other = manifestations.setdefault(risk.manifestation.zh, risk.urn)
            if other != risk.urn:
                self.errors.append(f"{where}：表现形式与风险点「{other}」完全相同")
        for name, label, value in (
            ("likelihood", "可能性", risk.likelihood),
            ("harm", "危害程度", risk.harm),
        ):
            if value is None:
                self.errors.append(f"{where}：缺少{label} {name}")
            elif not 1 <= value <= 5:
                self.errors.append(f"{where}：{label}须为 1 到 5 的整数，现为 {value}")
        if risk.matter_kind is not None:
            self.key_in(risk.matter_kind, grading.MATTER_LABELS, where, "事项性质")
        for criterion in risk.criteria:
            self.key_in(criterion, grading.CRITERIA, where, "符合条件")
        if len(set(risk.criteria)) != len(risk.criteria):
            self.errors.append(f"{where}：符合条件有重复")
        if not risk.measures:
            self.errors.append(f"{where}：至少要有一条防控措施")
        for urn in risk.measures:
            if urn not in measures:
                self.errors.append(f"{where}：防控措施「{urn}」不存在")
        if len(set(risk.measures)) != len(risk.measures):
            self.errors.append(f"{where}：防控措施有重复")

    # -- shared checks

    def unique(self, urn: str, where: str) -> None:
        if urn and urn in self.urns:
            self.errors.append(f"{where}：标识「{urn}」重复")
        self.urns.add(urn)

    def item_urn(self, urn: str, kind: str, where: str) -> None:
        if not urn:
            self.errors.append(f"{where}：缺少 urn")
            return
        prefix = f"urn:lianfang:{self.pack.sector}:{kind}:"
        if not urn.startswith(prefix) or not _SLUG_RE.match(urn[len(prefix) :]):
            self.errors.append(
                f"{where}：urn 格式不对，应为「{prefix}」加小写字母、数字和连字符组成的名称"
            )
        self.unique(urn, where)

    def key_in(self, value: str, allowed: Iterable[str], where: str, label: str) -> None:
        if not value:
            self.errors.append(f"{where}：缺少{label}")
        elif value not in allowed:
            self.errors.append(
                f"{where}：{label}「{value}」不在允许的取值中（{'、'.join(allowed)}）"
            )

    def text(self, text: Text, where: str, label: str) -> bool:
        """Check both languages are present and in the right script; True when usable."""
        ok = True
        if not text.zh:
            self.errors.append(f"{where}：缺少{label}的中文文本")
            ok = False
        elif not _CJK.search(text.zh):
            self.errors.append(f"{where}：{label}的中文文本不含汉字")
            ok = False
        if not text.en:
            self.errors.append(f"{where}：缺少{label}的英文文本")
        elif _CJK.search(text.en):
            self.errors.append(f"{where}：{label}的英文文本含有汉字")
        return ok

    def specific(self, zh: str, where: str, label: str, field: str) -> None:
        # The filing's rule, against the built-in phrases: manifestations and measures alike
        # must be long enough to say who does what.
        for problem in vagueness.text_problems(
            zh,
            self.phrases,
            label=label,
            field=field,
            min_chars=vagueness.MIN_MANIFESTATION_CHARS,
        ):
            self.errors.append(f"{where}：{problem.message}")
