"""`lianfang demo`: load the demo commission, its hospitals and one login per role."""

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lianfang.demo import services
from lianfang.demo.register import DENSE, DENSITIES, REALISTIC


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(width - display_width(text), 0)


class Command(BaseCommand):
    help = (
        "生成演示数据：示例市卫生健康委员会及其下属医院（科室、岗位、人员、岗位经历、领导分管、"
        "按医院标准库建立的风险点台账和防控措施）和每个角色一个登录账号。同一种子总是生成相同的数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help=(f"医院数量，每家约 1,500 名人员（默认 1，最多 {services.MAX_SCALE}）"),
        )
        parser.add_argument(
            "--density",
            choices=DENSITIES,
            default=REALISTIC,
            help=(
                f"风险点台账的密度：{REALISTIC}（默认）每家医院数百个风险点，如实际台账；"
                f"{DENSE} 每家约 10,000 个（按科室职责逐项复制，供性能基准测试）"
            ),
        )
        parser.add_argument(
            "--register-only",
            action="store_true",
            help="只生成单位、人员、岗位、风险点台账和账号，不生成其他模块的数据（供性能基准测试）",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="演示数据已存在时不做改动，只列出账号"
        )
        parser.add_argument(
            "--reset", action="store_true", help="先删除已有的演示单位及其数据，再重新生成"
        )

    def handle(self, *args, seed, scale, density, if_empty, reset, register_only, **options):
        if reset and if_empty:
            raise CommandError("--reset 与 --if-empty 不能同时使用。")
        if not 1 <= scale <= services.MAX_SCALE:
            raise CommandError(f"--scale 必须在 1 到 {services.MAX_SCALE} 之间。")
        if services.demo_exists():
            if if_empty:
                self.stdout.write("演示数据已存在，未做改动。")
                self._print_logins(services.demo_logins())
                return
            if not reset:
                raise CommandError(
                    "演示数据已存在。加 --reset 删除后重新生成，或加 --if-empty 保持不变。"
                )
            deleted = services.demo_reset()
            self.stdout.write(
                f"已删除原有演示数据：{deleted.get('organisations', 0)} 个单位，"
                f"{deleted.get('departments', 0)} 个科室，{deleted.get('people', 0)} 名人员。"
            )
        self.stdout.write(f"正在生成演示数据（种子 {seed}，{scale} 家医院，密度 {density}）…")
        result = services.demo_load(
            seed=seed,
            scale=scale,
            density=density,
            register_only=register_only,
            progress=self.stdout.write,
        )
        totals = result.totals
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {len(result.organisations)} 个单位、{totals['departments']} 个科室、"
                f"{totals['posts']} 个岗位、{totals['people']} 名人员、"
                f"{totals['assignments']} 条岗位经历、{totals['risk_points']} 个风险点、"
                f"{totals['measures']} 条防控措施，用时 {result.seconds:.1f} 秒。"
            )
        )
        self._print_logins(result.logins)

    def _print_logins(self, logins):
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {services.DEMO_PASSWORD}）：")
        rows = [("角色", "用户名", "姓名", "授权范围")] + [
            (login.label, login.username, login.name, login.scope) for login in logins
        ]
        widths = [max(display_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [pad(cell, width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
        if settings.REQUIRE_OTP:
            self.stdout.write(
                "注意：当前设置要求平台管理员、系统管理员和纪检监察账号使用动态口令（TOTP），"
                "首次登录时按提示绑定。"
            )
