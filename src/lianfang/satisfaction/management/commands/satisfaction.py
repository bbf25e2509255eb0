"""`lianfang satisfaction import --org <code> [--pack hospital]`: put the standard patient
satisfaction questionnaire into an organisation (repeatable: an existing version is kept)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianfang.org.models import Organisation
from lianfang.satisfaction.questionnaires import packs, questionnaire_import


class Command(BaseCommand):
    help = "患者满意度：import 把标准问卷导入单位（可重复执行，已有的版本不变）。"

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{import}")
        run = sub.add_parser("import", help="把标准问卷导入单位")
        run.add_argument("--org", required=True, help="单位编码")
        run.add_argument("--pack", default="hospital", help=f"标准问卷（{', '.join(packs())}）")
        run.add_argument("--user", help="记为操作人的用户名（默认记为系统）")

    def handle(self, *args, subcommand, **options):
        organisation = Organisation.objects.filter(code=options["org"]).first()
        if organisation is None:
            raise CommandError(f"没有编码为 {options['org']} 的单位。")
        actor = None
        if options.get("user"):
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"没有用户 {options['user']}。")
        try:
            questionnaire, created = questionnaire_import(
                actor=actor, organisation=organisation, pack=options["pack"]
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        verb = "已导入" if created else "已存在，未作修改："
        self.stdout.write(f"{organisation.name}：{verb}{questionnaire}")
