"""Build the rows of one demo hospital in memory, from a seed: no database access here.

Every random choice comes from one `random.Random` per hospital, seeded from the demo seed and
the hospital's number, and every date is counted back from REFERENCE_DATE, so the same seed
always gives the same staff, posts and histories (whatever the scale and the day it runs).
Staff come as rows for `person_services.people_write`: each person with the posts they took
up in turn (each closing the one before), so the demo's histories follow the service's rules.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from lianfang.org.models import (
    Department,
    DepartmentFunction,
    LeaderDivision,
    Organisation,
    Person,
    Post,
    PostAssignment,
)
from lianfang.org.person_services import Held, PersonRow

from .catalogue import CATEGORIES, DEPARTMENTS, LEADER_BY_KEY, LEADERS, ROADS, PostSpec
from .names import person_name

REFERENCE_DATE = dt.date(2026, 11, 1)
PEOPLE_PER_HOSPITAL = 1500
# Share of rotating posts whose holder has stayed past the rotation period.
OVERDUE_SHARE = 0.3
# Posts whose first holder is always overdue, so every hospital shows rotation reminders.
ALWAYS_OVERDUE = {("CGZX", "CGY"), ("CWK", "CN"), ("YJK", "YPCG")}
# Share of other staff who transferred in from another post.
TRANSFER_SHARE = 0.2
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "177", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "199",
)  # fmt: skip

# Who signs in to the demo, by login key: (department code, post key) of the person, or a leader.
LOGIN_PEOPLE = {
    "leader": ("", "fyz_nk"),
    "dept_head": ("XNK", "ZR"),
    "staff": ("XNK", "YS"),
    "integrity": ("JJJCS", "ZR"),
    "admin": ("XXZX", "GCS"),
}

AUTHORITY_CODE = "SL-WJW"
AUTHORITY_NAME = "示例市卫生健康委员会"
DIGITS = "一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals, as in 第二十一人民医院."""
    if not 1 <= n <= 99:
        raise ValueError("n must be between 1 and 99")
    tens, units = divmod(n, 10)
    if tens == 0:
        return DIGITS[units - 1]
    prefix = "" if tens == 1 else DIGITS[tens - 1]
    return prefix + "十" + (DIGITS[units - 1] if units else "")


def hospital_name(index: int) -> str:
    return "示例市人民医院" if index == 1 else f"示例市第{chinese_number(index)}人民医院"


def hospital_code(index: int) -> str:
    return f"SL-H{index:02d}"


def hospital_organisation(index: int, seed: int, parent: Organisation) -> Organisation:
    rng = random.Random(f"lianfang-demo:{seed}:{index}:address")
    return Organisation(
        name=hospital_name(index),
        short_name=f"市{chinese_number(index)}院",
        code=hospital_code(index),
        kind=Organisation.Kind.HOSPITAL,
        parent=parent,
        address=f"示例市{rng.choice(ROADS)}{rng.randint(1, 399)}号",
        order=index,
    )


def apportion(total: int, weights: list[float], minimums: list[int]) -> list[int]:
    """Split `total` into integers, each at least its minimum, the rest in proportion to weights."""
    free = total - sum(minimums)
    if free < 0:
        raise ValueError("total is smaller than the sum of the minimums")
    whole = sum(weights)
    raw = [free * w / whole for w in weights]
    parts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in by_remainder[: free - sum(parts)]:
        parts[i] += 1
    return [m + p for m, p in zip(minimums, parts, strict=True)]


@dataclass
class HospitalRows:
    """Unsaved rows of one hospital, linked to each other; save them in field order.

    `staff` are the people with the posts they took up; each row states the person's
    department (a leader who rose from a department's post belongs to none). `assignments`
    are filled in when the staff are saved.
    """

    departments: list[Department] = field(default_factory=list)
    functions: list[DepartmentFunction] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    staff: list[PersonRow] = field(default_factory=list)
    assignments: list[PostAssignment] = field(default_factory=list)
    divisions: list[LeaderDivision] = field(default_factory=list)
    heads: list[tuple[Department, Person]] = field(default_factory=list)
    login_people: dict[str, Person] = field(default_factory=dict)

    @property
    def people(self) -> list[Person]:
        return [row.person for row in self.staff]

    def counts(self) -> dict[str, int]:
        return {
            "departments": len(self.departments),
            "functions": len(self.functions),
            "posts": len(self.posts),
            "people": len(self.people),
            "assignments": len(self.assignments),
            "divisions": len(self.divisions),
        }


def build_hospital(
    organisation: Organisation,
    *,
    seed: int,
    index: int | str,
    departments: tuple[str, ...] | None = None,
    people: int = PEOPLE_PER_HOSPITAL,
) -> HospitalRows:
    """The departments, posts, staff, post histories and leaders' divisions of one hospital:
    every department of the catalogue, or only those whose codes `departments` names (with
    the leaders in charge of them, the 党委书记, the 院长 and the 纪委书记), for `people` staff."""
    rng = random.Random(f"lianfang-demo:{seed}:{index}")
    specs = DEPARTMENTS
    if departments is not None:
        specs = tuple(spec for spec in DEPARTMENTS if spec.code in departments)
    return _HospitalBuilder(organisation, rng, specs, people).build()


def years_before(date: dt.date, years: float) -> dt.date:
    return date - dt.timedelta(days=round(years * 365.25))


class _HospitalBuilder:
    def __init__(
        self,
        organisation: Organisation,
        rng: random.Random,
        departments=DEPARTMENTS,
        people: int = PEOPLE_PER_HOSPITAL,
    ):
        self.org = organisation
        self.rng = rng
        self.specs = departments
        self.people = people
        wanted = {"sj", "yz", "jwsj"} | {d.leader for d in departments}
        wanted |= {d.previous_leader[0] for d in departments if d.previous_leader}
        self.leader_specs = tuple(spec for spec in LEADERS if spec.key in wanted)
        self.rows = HospitalRows()
        self.departments: dict[str, Department] = {}
        self.posts: dict[tuple[str, str], Post] = {}
        # Non-head posts by staff category: where a transferred person came from.
        self.pool: dict[str, list[Post]] = {}
        self.leaders: dict[str, tuple[Person, dt.date]] = {}
        self.seq = 0

    def build(self) -> HospitalRows:
        self._departments_and_posts()
        self._leaders()
        for spec, size in zip(self.specs, self._department_sizes(), strict=True):
            self._staff(spec, size)
        self._divisions()
        return self.rows

    # Structure ---------------------------------------------------------------------------

    def _departments_and_posts(self):
        rng = self.rng
        for order, spec in enumerate(self.specs, start=1):
            dept = Department(
                organisation=self.org,
                name=spec.name,
                code=spec.code,
                kind=spec.kind,
                phone=str(rng.randint(8100, 8999)),
                is_key=spec.is_key,
                order=order * 10,
            )
            self.departments[spec.code] = dept
            self.rows.departments.append(dept)
            optional = list(spec.optional_functions)
            extra = rng.sample(optional, rng.randint(0, min(2, len(optional))))
            for i, title in enumerate((*spec.functions, *extra)):
                self.rows.functions.append(
                    DepartmentFunction(department=dept, title=title, order=i + 1)
                )
            for post_spec in spec.posts:
                post = Post(
                    organisation=self.org,
                    department=dept,
                    name=post_spec.name,
                    code=f"{spec.code}-{post_spec.key}",
                    is_key=post_spec.is_key,
                    is_sensitive=post_spec.is_sensitive,
                    rotation_years=post_spec.rotation_years,
                    duties=post_spec.duties,
                )
                self.posts[(spec.code, post_spec.key)] = post
                self.rows.posts.append(post)
                if not post_spec.head:
                    self.pool.setdefault(post_spec.category, []).append(post)
        for spec in self.leader_specs:
            post = Post(
                organisation=self.org,
                name=spec.post_name,
                code=spec.post_code,
                is_key=True,
                is_leadership=True,
                duties=spec.duties,
            )
            self.posts[("", spec.key)] = post
            self.rows.posts.append(post)

    def _department_sizes(self) -> list[int]:
        minimums = [
            sum(p.fixed for p in spec.posts) + sum(1 for p in spec.posts if p.share)
            for spec in self.specs
        ]
        weights = [
            max(spec.size - low, 1) * self.rng.uniform(0.8, 1.2)
            for spec, low in zip(self.specs, minimums, strict=True)
        ]
        return apportion(self.people - len(self.leader_specs), weights, minimums)

    # People ------------------------------------------------------------------------------

    def _person(
        self, *, department, category, title, joined, gender=None, is_leader=False
    ) -> PersonRow:
        rng = self.rng
        self.seq += 1
        if gender is None:
            gender = "F" if rng.random() < CATEGORIES[category].female_share else "M"
        person = Person(
            organisation=self.org,
            department=department,
            staff_no=f"{joined.year % 100:02d}{self.seq:04d}",
            name=person_name(rng, gender),
            gender=gender,
            title=title,
            phone=rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}",
            is_leader=is_leader,
        )
        row = PersonRow(values={"department": department}, person=person)
        self.rows.staff.append(row)
        return row

    def _take_up(self, row: PersonRow, post: Post, start: dt.date, note=""):
        """`row`'s person takes up `post` from `start` (the post held before ends the day
        before)."""
        row.posts.append(Held(post, start, note))

    def _leaders(self):
        rng = self.rng
        for spec in self.leader_specs:
            start = years_before(REFERENCE_DATE, rng.uniform(*spec.years_in_post))
            previous_start = years_before(start, rng.uniform(3, 8))
            joined = years_before(previous_start, rng.uniform(8, 16))
            row = self._person(
                department=None,
                category=spec.category,
                title=spec.person_title,
                joined=joined,
                gender="F" if rng.random() < 0.2 else "M",
                is_leader=True,
            )
            if spec.previous in self.posts:
                self._take_up(row, self.posts[spec.previous], previous_start, note="提任院领导")
            self._take_up(row, self.posts[("", spec.key)], start)
            self.leaders[spec.key] = (row.person, start)
        if LOGIN_PEOPLE["leader"][1] in self.leaders:
            self.rows.login_people["leader"] = self.leaders[LOGIN_PEOPLE["leader"][1]][0]

    def _title_and_years(self, category: str, senior: bool) -> tuple[str, float]:
        levels = CATEGORIES[category].levels
        if senior:
            levels = levels[:2]
        title, _, (low, high) = self.rng.choices(levels, weights=[w for _, w, _ in levels])[0]
        return title, self.rng.uniform(low, high + 1)

    def _staff(self, spec, size):
        dept = self.departments[spec.code]
        fixed = [(p, p.fixed) for p in spec.posts if p.fixed]
        shared = [p for p in spec.posts if p.share]
        counts = apportion(
            size - sum(n for _, n in fixed), [p.share for p in shared], [1] * len(shared)
        )
        for post_spec, count in [*fixed, *zip(shared, counts, strict=True)]:
            post = self.posts[(spec.code, post_spec.key)]
            for holder in range(count):
                person = self._holder(spec, dept, post_spec, post, holder)
                for login, where in LOGIN_PEOPLE.items():
                    if where == (spec.code, post_spec.key) and holder == 0:
                        self.rows.login_people[login] = person

    def _holder(self, spec, dept, post_spec: PostSpec, post: Post, holder: int) -> Person:
        rng = self.rng
        title, years = self._title_and_years(post_spec.category, senior=post_spec.head)
        if post_spec.head and post_spec.category == "admin":
            title = post_spec.name
        joined = years_before(REFERENCE_DATE, years)
        earlier = None
        if post_spec.head:
            # Heads rose from the department's own staff.
            years = max(years, 8)
            joined = years_before(REFERENCE_DATE, years)
            start = years_before(REFERENCE_DATE, rng.uniform(0.5, min(years - 3, 10)))
            first_shared = next(p for p in spec.posts if p.share)
            earlier = self.posts[(spec.code, first_shared.key)]
        elif post_spec.rotation_years:
            overdue = (spec.code, post_spec.key) in ALWAYS_OVERDUE and holder == 0
            overdue = overdue or rng.random() < OVERDUE_SHARE
            if overdue:
                start = years_before(REFERENCE_DATE, post_spec.rotation_years + rng.uniform(0.4, 4))
            else:
                start = years_before(
                    REFERENCE_DATE, rng.uniform(0.1, post_spec.rotation_years - 0.1)
                )
            joined = min(joined, start)
            if (start - joined).days > 180:
                earlier = self._earlier_post(post_spec.category, post)
        elif years >= 3 and rng.random() < TRANSFER_SHARE:
            start = years_before(REFERENCE_DATE, rng.uniform(0.5, years - 1))
            earlier = self._earlier_post(post_spec.category, post)
        else:
            start = joined
        row = self._person(department=dept, category=post_spec.category, title=title, joined=joined)
        if earlier is not None:
            self._take_up(row, earlier, joined, note="轮岗调整")
        self._take_up(row, post, start)
        if post_spec.head:
            self.rows.heads.append((dept, row.person))
        return row.person

    def _earlier_post(self, category: str, current: Post) -> Post | None:
        choices = [p for p in self.pool.get(category, ()) if p is not current]
        return self.rng.choice(choices) if choices else None

    # Leaders' divisions ------------------------------------------------------------------

    def _divisions(self):
        for spec in self.specs:
            dept = self.departments[spec.code]
            leader, leader_start = self.leaders[spec.leader]
            since = leader_start
            if spec.previous_leader:
                previous_key, year = spec.previous_leader
                handover = dt.date(year, 1, 1)
                previous, previous_start = self.leaders[previous_key]
                if previous_start < handover:
                    self.rows.divisions.append(
                        LeaderDivision(
                            leader=previous,
                            department=dept,
                            since=previous_start,
                            until=handover - dt.timedelta(days=1),
                            duties=LEADER_BY_KEY[previous_key].duties,
                        )
                    )
                    since = max(since, handover)
            self.rows.divisions.append(
                LeaderDivision(
                    leader=leader,
                    department=dept,
                    since=since,
                    duties=LEADER_BY_KEY[spec.leader].duties,
                )
            )
