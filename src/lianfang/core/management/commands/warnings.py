"""`lianfang warnings check`: run every warning rule's checker, then escalate what is late.

A scheduler calls `lianfang.core.warnings.warnings_check` itself; this command is the same
for a cron job or by hand."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianfang.core import warnings


class Command(BaseCommand):
    help = (
        "Warnings (预警). `warnings check` runs every rule's checker (raise what holds, close "
        "what no longer does) and escalates the warnings past their time limit."
    )

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{check}")
        check = sub.add_parser(
            "check",
            help="Run the checkers of every rule (or of --rule SOURCE.RULE), then escalate.",
        )
        check.add_argument(
            "--rule",
            action="append",
            metavar="SOURCE.RULE",
            help="Only this rule (repeatable), e.g. risks.review_overdue.",
        )

    def handle(self, *args, subcommand, rule=None, **options):
        declared = warnings.rules()
        only = None
        if rule:
            only = set()
            for name in rule:
                source, _dot, code = name.partition(".")
                if (source, code) not in declared:
                    known = ", ".join(sorted(f"{s}.{c}" for s, c in declared))
                    raise CommandError(f"unknown rule {name!r} (known: {known})")
                only.add((source, code))
        report, escalated = warnings.warnings_check(only=only)
        for done in report:
            r = done.raised
            self.stdout.write(
                f"{done.rule.source}.{done.rule.code}: {done.holding} holding, "
                f"{len(r.created)} raised, {len(r.reopened)} reopened, {len(r.updated)} updated, "
                f"{r.unchanged} unchanged, {done.resolved} resolved"
            )
        self.stdout.write(f"{escalated} escalated")
