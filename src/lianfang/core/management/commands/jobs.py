"""`lianfang jobs work`: the background worker (see lianfang.core.jobs), on django-tasks.

`work` runs the worker of the task backend settings.TASKS names: django-tasks-db's
`db_worker` (the database backend) or RQ's `rqworker` with django-tasks-rq's job class (the RQ
backend), on this site's queues. `--once` runs what is queued now and exits (RQ: burst mode).
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianfang.core import jobs
from lianfang.core.models import Job


class Command(BaseCommand):
    help = "Run background jobs. `jobs work` runs the task worker; `jobs list` shows the latest."

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{work,list,purge}")
        work = sub.add_parser("work", help="Run queued tasks until stopped.")
        work.add_argument("--once", action="store_true", help="Run what is queued now, then exit.")
        work.add_argument(
            "--sleep", type=float, default=1.0, help="Seconds between polls of an empty queue."
        )
        work.add_argument(
            "--queue",
            action="append",
            dest="queues",
            help="A queue to take tasks from (repeatable; default: every queue of settings.TASKS).",
        )
        listing = sub.add_parser("list", help="The latest jobs with their status.")
        listing.add_argument("--limit", type=int, default=20)
        purge = sub.add_parser(
            "purge", help="Delete the files of jobs finished more than --days ago."
        )
        purge.add_argument("--days", type=int, default=settings.LIANFANG_JOB_FILES_DAYS)

    def handle(self, *args, subcommand, **options):
        if subcommand == "work":
            self.verbosity = options["verbosity"]
            self.work(once=options["once"], sleep=options["sleep"], queues=options["queues"])
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

    def work(self, *, once: bool, sleep: float, queues: list[str] | None):
        backend = jobs.run_job.get_backend()
        queues = queues or sorted(backend.queues)
        if settings.LIANFANG_TASKS == "rq":
            arguments = [*queues, "--job-class", "django_tasks_rq.Job"]
            # RQ's scheduler moves deferred tasks (`run_after`) to their queue when due
            arguments.append("--burst" if once else "--with-scheduler")
            call_command(
                "rqworker",
                *arguments,
                verbosity=self.verbosity,
                stdout=self.stdout,
                stderr=self.stderr,
            )
        elif once:
            # the same loop as `db_worker --batch`, reporting each job (tests run it in their
            # transaction, where db_worker's connection recycling would close the connection)
            jobs.run_pending(queues=queues, report=self.stdout.write)
        else:
            call_command(
                "db_worker",
                queue_name=",".join(queues),
                interval=sleep,
                reload=False,
                verbosity=self.verbosity,
                stdout=self.stdout,
                stderr=self.stderr,
            )
