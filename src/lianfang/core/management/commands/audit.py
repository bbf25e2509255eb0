"""`lianfang audit verify` and `lianfang audit checkpoint`: check the audit chain, and sign
its head into a directory outside the database."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianfang.core import audit, audit_checkpoints
from lianfang.core.audit_checkpoints import CheckpointError


def _batch_size(value):
    size = int(value)
    if size < 1:
        raise ValueError(value)
    return size


def _workers(value):
    workers = int(value)
    if not 1 <= workers <= 64:
        raise ValueError(value)
    return workers


class Command(BaseCommand):
    help = (
        "Work with the audit chain. `audit verify` checks every event in order (and holds "
        "the chain to its signed checkpoints); `audit checkpoint` signs the verified head."
    )

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,checkpoint}")
        verify = sub.add_parser(
            "verify",
            help="Recompute every event's hash in order; exit 0 with `OK <n> events`, "
            "or exit 1 naming the first event altered, removed or reordered, or the signed "
            "checkpoint the chain no longer holds.",
        )
        verify.add_argument(
            "--checkpoints",
            metavar="DIR",
            default=None,
            help="Directory of signed checkpoints the chain must still hold (default: "
            "LIANFANG_AUDIT_CHECKPOINTS when set). Catches a chain rewritten with "
            "recomputed hashes, cut short, or emptied with its head reset.",
        )
        verify.add_argument(
            "--since-checkpoint",
            action="store_true",
            help="Start after the last signed checkpoint instead of the first event "
            "(its event must still have the signed hash).",
        )
        verify.add_argument(
            "--workers",
            type=_workers,
            default=os.cpu_count() or 1,
            help="Processes that check a long chain side by side, each a run of events "
            f"(default: one per core; chains under {audit.PARALLEL_MIN_EVENTS:,} events "
            "are walked in one).",
        )
        verify.add_argument(
            "--no-checkpoints",
            action="store_true",
            help="Check the chain alone, even when LIANFANG_AUDIT_CHECKPOINTS is set.",
        )
        checkpoint = sub.add_parser(
            "checkpoint",
            help="Verify the chain since the last checkpoint, then sign its head with the "
            "Ed25519 key and write a new checkpoint file (exit 1 without one if it is broken).",
        )
        checkpoint.add_argument(
            "--dir",
            default=None,
            help="Directory of checkpoints (default: LIANFANG_AUDIT_CHECKPOINTS).",
        )
        for command in (verify, checkpoint):
            command.add_argument(
                "--key",
                metavar="PEM",
                default=None,
                help="Key file (default: LIANFANG_AUDIT_SIGNING_KEY to sign; "
                "LIANFANG_AUDIT_VERIFY_KEY, else the signing key, to check).",
            )
            command.add_argument(
                "--batch-size",
                type=_batch_size,
                default=2000,
                help="Events read per query (memory stays flat however long the chain).",
            )

    def handle(self, *args, subcommand, **options):
        try:
            if subcommand == "verify":
                self.verify(**options)
            else:
                self.checkpoint(**options)
        except CheckpointError as exc:
            raise CommandError(f"ERROR: {exc}", returncode=2) from exc

    def verify(
        self, *, batch_size, checkpoints, since_checkpoint, no_checkpoints, key, workers, **_
    ):
        directory = None if no_checkpoints else checkpoints or settings.AUDIT_CHECKPOINT_DIR
        if since_checkpoint and not directory:
            raise CommandError("--since-checkpoint needs --checkpoints DIR")
        if directory:
            result, marks = audit_checkpoints.verify_against(
                directory, key, since=since_checkpoint, batch_size=batch_size, workers=workers
            )
        else:
            result, marks = audit.verify(batch_size=batch_size, workers=workers), []
        if not result.ok:
            raise CommandError(
                f"BROKEN: {result.reason}; the {result.count} events before it verify",
                returncode=1,
            )
        detail = ""
        if directory:
            held = sum(1 for mark in marks if mark.seq <= result.count)
            detail = f" ({held} signed checkpoints held"
            if result.start > 1:
                detail += f"; events #{result.start}-#{result.count} walked"
            detail += ")"
        self.stdout.write(f"OK {result.count} events{detail}")

    def checkpoint(self, *, dir, key, batch_size, **_):  # noqa: A002 - the option's name
        made = audit_checkpoints.checkpoint_make(dir, key, batch_size=batch_size)
        result = made.result
        if not result.ok:
            raise CommandError(f"BROKEN: {result.reason}; no checkpoint written", returncode=1)
        if made.checkpoint is None:
            self.stdout.write(f"UNCHANGED {result.count} events: no new checkpoint")
            return
        self.stdout.write(f"CHECKPOINT {made.line}")
