"""`lianfang library list` and `lianfang library import <pack> --org <code>`."""

import unicodedata

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianfang.libraries import LibraryError, list_packs
from lianfang.org.models import Organisation
from lianfang.risks import library_import as importer


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(width - _width(text), 0)
    return space + text if right else text + space


class Command(BaseCommand):
    help = "标准库：list 列出可导入的标准库；import 把一个标准库导入某个单位（可重复执行）。"

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{list,import}")
        sub.add_parser("list", help="列出标准库：名称、标识、版本和权力事项、风险点、措施的数量")
        run = sub.add_parser(
            "import",
            help="把标准库导入单位：新增缺少的条目，按新版本更新未经本单位修改的内容，从不删除",
        )
        run.add_argument("pack", help="标准库名称，如 hospital（见 library list）")
        run.add_argument("--org", required=True, help="单位编码（或编号）")
        run.add_argument("--user", help="记为操作人的用户名（默认记为系统）")

    def handle(self, *args, subcommand, **options):
        if subcommand == "list":
            self.list_packs()
        else:
            self.import_pack(options["pack"], options["org"], options.get("user"))

    def list_packs(self):
        try:
            packs = list_packs(importer.PACKS_DIRECTORY)
        except LibraryError as exc:
            raise CommandError(str(exc)) from exc
        rows = [("代码", "标识", "版本", "名称", "权力事项", "风险点", "防控措施")]
        for info in packs:
            rows.append(
                (
                    info.key,
                    info.urn,
                    str(info.version or ""),
                    info.name.zh,
                    str(info.counts["powers"]),
                    str(info.counts["risk_points"]),
                    str(info.counts["measures"]),
                )
            )
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = [
                _pad(cell, width, right=i >= 4)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            self.stdout.write("  ".join(cells).rstrip())

    def import_pack(self, pack_key: str, org_ref: str, username: str | None):
        org = Organisation.objects.filter(code=org_ref).first()
        if org is None and org_ref.isdigit():
            org = Organisation.objects.filter(pk=int(org_ref)).first()
        if org is None:
            raise CommandError(f"找不到编码为「{org_ref}」的单位")
        actor = None
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"找不到用户「{username}」")
        try:
            report = importer.library_import(
                actor=actor, organisation=org, pack_key=pack_key, progress=self.stdout.write
            )
        except LibraryError as exc:
            message = "\n".join([str(exc), *(f"  - {e}" for e in exc.errors)])
            raise CommandError(message) from exc
        for line in report.lines():
            self.stdout.write(line)
