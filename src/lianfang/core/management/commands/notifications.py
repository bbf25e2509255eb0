"""`lianfang notifications digest|remind|retry`: the notifications' daily and periodic work,
for the scheduler (cron or a systemd timer) until the task queue schedules it itself."""

from django.core.management.base import BaseCommand, CommandParser

from lianfang.core import notifications


class Command(BaseCommand):
    help = (
        "Notifications: `digest` e-mails each person's daily digest, `remind` runs the apps' "
        "daily reminders (overdue rotations and reviews), `retry` attempts again the "
        "deliveries whose wait is over."
    )

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{digest,remind,retry}"
        )
        sub.add_parser("digest", help="Queue the daily digest e-mails (once a day).")
        sub.add_parser("remind", help="Run the daily reminders (once a day).")
        sub.add_parser("retry", help="Attempt the failed deliveries that are due (every minute).")

    def handle(self, *args, subcommand, **options):
        if subcommand == "digest":
            self.stdout.write(f"queued {notifications.digest()} digest(s)")
        elif subcommand == "remind":
            for name, sent in notifications.remind().items():
                self.stdout.write(f"{name}: {sent} message(s)")
        else:
            self.stdout.write(f"attempted {notifications.retry_due()} delivery(ies)")
