"""`lianfang jobs work`: the background job worker (see lianfang.core.jobs)."""

import signal
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connection

from lianfang.core import jobs
from lianfang.core.models import Job


class Command(BaseCommand):
    help = "Run background jobs. `jobs work` polls the queue; `jobs list` shows the latest."

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{work,list,purge}")
        work = sub.add_parser("work", help="Run queued jobs, one at a time, until stopped.")
        work.add_argument("--once", action="store_true", help="Run what is queued now, then exit.")
        work.add_argument(
            "--sleep", type=float, default=2.0, help="Seconds between polls of an empty queue."
        )
        listing = sub.add_parser("list", help="The latest jobs with their status.")
        listing.add_argument("--limit", type=int, default=20)
        purge = sub.add_parser(
            "purge", help="Delete the files of jobs finished more than --days ago (cron)."
        )
        purge.add_argument("--days", type=int, default=7)

    def handle(self, *args, subcommand, **options):
        if subcommand == "work":
            self.work(once=options["once"], sleep=options["sleep"])
        elif subcommand == "purge":
            if options["days"] < 0:
                raise CommandError("--days must be 0 or more")
            purged = jobs.purge_files(older_than_days=options["days"])
            self.stdout.write(f"purged the files of {purged} job(s)")
        else:
            for job in Job.objects.select_related("actor")[: options["limit"]]:
                self.stdout.write(
                    f"#{job.pk} {job.kind} {job.status} {job.done}/{job.total or '?'} "
                    f"{job.actor.get_username()} {job.created_at:%Y-%m-%d %H:%M}"
                )

    def work(self, *, once: bool, sleep: float):
        stopping = False

        def stop(_signum, _frame):
            nonlocal stopping
            stopping = True  # finish the job in hand, then exit

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            if not connection.in_atomic_block:  # (a test runs the command in its transaction)
                close_old_connections()
            requeued = jobs.requeue_stale()
            if requeued:
                self.stdout.write(f"requeued {requeued} job(s) whose runner had stopped")
            job = jobs.claim()
            if job is None:
                if once:
                    break
                time.sleep(sleep)
                continue
            self.stdout.write(f"job #{job.pk} {job.kind} …")
            jobs.run(job)
            self.stdout.write(f"job #{job.pk} {job.status}")
