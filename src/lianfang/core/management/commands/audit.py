"""`lianfang audit verify`: check the audit chain and name the first broken event."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianfang.core import audit


class Command(BaseCommand):
    help = "Work with the audit chain. `audit verify` checks every event in order."

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify}")
        verify = sub.add_parser(
            "verify",
            help="Recompute every event's hash in order; exit 0 with `OK <n> events`, "
            "or exit 1 naming the first event altered, removed or reordered.",
        )
        verify.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Events read per query (memory stays flat however long the chain).",
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            self.verify(batch_size=options["batch_size"])

    def verify(self, *, batch_size):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        result = audit.verify(batch_size=batch_size)
        if not result.ok:
            raise CommandError(
                f"BROKEN: {result.reason}; the {result.count} events before it verify",
                returncode=1,
            )
        self.stdout.write(f"OK {result.count} events")
