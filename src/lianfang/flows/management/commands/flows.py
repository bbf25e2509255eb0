"""`lianfang flows list` and `lianfang flows import <org code> [code …]`."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianfang.flows import library
from lianfang.org.models import Organisation


class Command(BaseCommand):
    help = "内置流程：list 列出可导入的流程；import 把内置流程导入某个单位（可重复执行）。"

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{list,import}")
        sub.add_parser("list", help="列出内置流程的编码")
        run = sub.add_parser(
            "import", help="把内置流程导入单位：内容相同不产生新版本，内容变化发布新版本"
        )
        run.add_argument("org", help="单位编码（或编号）")
        run.add_argument("codes", nargs="*", help="只导入这些流程（默认全部）")
        run.add_argument("--user", help="记为操作人的用户名（默认记为系统）")
        run.add_argument("--dir", help="流程文件所在目录（默认内置目录）")

    def handle(self, *args, subcommand, **options):
        if subcommand == "list":
            for code in library.available():
                self.stdout.write(code)
            return
        org_ref = options["org"]
        org = Organisation.objects.filter(code=org_ref).first()
        if org is None and org_ref.isascii() and org_ref.isdigit():
            org = Organisation.objects.filter(pk=int(org_ref)).first()
        if org is None:
            raise CommandError(f"找不到编码为「{org_ref}」的单位")
        actor = None
        if options.get("user"):
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"找不到用户「{options['user']}」")
        try:
            result = library.flows_import(
                actor=actor,
                organisation=org,
                codes=options["codes"] or None,
                directory=options.get("dir"),
            )
        except ValidationError as exc:
            raise CommandError("导入失败，未作任何修改：\n" + "\n".join(exc.messages)) from exc
        for code, number in result.published:
            self.stdout.write(f"发布 {code} 第 {number} 版")
        for code in result.unchanged:
            self.stdout.write(f"未变 {code}")
        for code, reasons in result.unlinked.items():
            self.stdout.write(f"提示 {code}：" + "；".join(reasons))
        self.stdout.write(
            f"共 {len(result.published)} 个发布，{len(result.unchanged)} 个未变（{org.name}）"
        )
