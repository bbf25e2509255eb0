"""`lianfang schedule`: the one scheduler of periodic tasks (see lianfang.core.schedule).

`run` ticks every minute until stopped (one process per site: the systemd unit
deploy/lianfang-scheduler.service); `tick` once (from cron, if preferred); `list` shows each
registered task, its period and its next slot; `run-now NAME` enqueues one now.
"""

import signal
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils.timezone import localtime

from lianfang.core import schedule
from lianfang.core.models import ScheduledRun


class Command(BaseCommand):
    help = "Enqueue periodic tasks when due: `schedule run` (a service), `tick`, `list`."

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{run,tick,list,run-now}"
        )
        sub.add_parser("run", help="Tick every minute until stopped.")
        sub.add_parser("tick", help="Enqueue what is due now, then exit.")
        sub.add_parser("list", help="The registered periodic tasks and their next slot.")
        now = sub.add_parser("run-now", help="Enqueue one registered task now.")
        now.add_argument("name")

    def handle(self, *args, subcommand, **options):
        if subcommand == "run":
            self.run()
        elif subcommand == "tick":
            for name in schedule.tick():
                self.stdout.write(f"enqueued {name}")
        elif subcommand == "run-now":
            if options["name"] not in schedule.SCHEDULES:
                raise CommandError(
                    f"no periodic task {options['name']!r}; `lianfang schedule list` shows them"
                )
            schedule.run_now(options["name"])
            self.stdout.write(f"enqueued {options['name']}")
        else:
            rows = {row.name: row for row in ScheduledRun.objects.all()}
            for name, spec in sorted(schedule.SCHEDULES.items()):
                row = rows.get(name)
                at = f" at {spec.at:%H:%M}" if spec.at else ""
                due = f"{localtime(row.next_at):%Y-%m-%d %H:%M}" if row else "at the first tick"
                last = (
                    f"{localtime(row.last_at):%Y-%m-%d %H:%M}" if row and row.last_at else "never"
                )
                self.stdout.write(
                    f"{name}: every {spec.every}{at}; next {due}; last {last} "
                    f"({spec.task.module_path})"
                )

    def run(self):
        stopping = False

        def stop(_signum, _frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            close_old_connections()
            for name in schedule.tick():
                self.stdout.write(f"enqueued {name}")
            wait = schedule.until_next()
            while wait > 0 and not stopping:
                time.sleep(min(wait, 1.0))
                wait -= 1.0
