"""`lianfang complaints purge`: delete the content of archived complaints past retention."""

from django.core.management.base import BaseCommand

from lianfang.core import workdays


class Command(BaseCommand):
    help = "投诉举报：purge 清除归档后超过保存期限的事项的内容（保留统计信息和审计记录）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{purge}")
        sub.add_parser("purge", help="清除保存期满的投诉举报内容")

    def handle(self, *args, subcommand, **options):
        from lianfang.complaints import retention

        n = retention.purge(workdays.today())
        self.stdout.write(f"已清除 {n} 件投诉举报的内容。")
