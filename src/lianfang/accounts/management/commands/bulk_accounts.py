"""`lianfang bulk_accounts`: accounts for a department's people, from the command line.

lianfang bulk_accounts --as admin --organisation H001 --department XNK --out xnk.xlsx
lianfang bulk_accounts --as admin --organisation H001 --staff-no 0103 0104 --out new.xlsx

The same service as the page (`services.accounts_bulk_create`), acting as the administrator
named by --as (an account holding 系统管理员 on the organisation), so the audit log names
them. The hand-over list is written to --out (readable by the file's owner only) and, as
from the page, kept encrypted for 24 hours for that administrator.
"""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lianfang.accounts import handover, services
from lianfang.accounts.models import User
from lianfang.org.models import Department, Organisation, Person


class Command(BaseCommand):
    help = "Create accounts for a department's people (or some staff numbers) in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="actor", required=True, help="An administrator.")
        parser.add_argument("--organisation", required=True, help="The organisation's code.")
        parser.add_argument("--department", help="A department's code: its people in post.")
        parser.add_argument("--staff-no", nargs="+", default=[], help="Staff numbers (工号).")
        parser.add_argument("--out", required=True, help="Where to write the .xlsx list.")

    def handle(self, *args, actor, organisation, department, staff_no, out, **options):
        try:
            user = User.objects.get(username=actor, is_active=True)
            org = Organisation.objects.get(code=organisation)
        except (User.DoesNotExist, Organisation.DoesNotExist) as exc:
            raise CommandError(f"unknown account or organisation: {exc}") from exc
        people = list(Person.objects.filter(organisation=org, staff_no__in=staff_no))
        missing = set(staff_no) - {p.staff_no for p in people}
        if missing:
            raise CommandError(f"no person with staff number {', '.join(sorted(missing))}")
        title = ""
        if department:
            try:
                dept = Department.objects.get(organisation=org, code=department)
            except Department.DoesNotExist as exc:
                raise CommandError(f"no department {department!r} in {organisation}") from exc
            people += list(dept.people.filter(active=True).exclude(pk__in=[p.pk for p in people]))
            title = dept.name
        try:
            result = services.accounts_bulk_create(actor=user, people=people, title=title)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for person in result.skipped:
            self.stdout.write(f"skipped (has an account): {person.staff_no} {person.name}")
        if result.handover is None:
            self.stdout.write("no account created")
            return
        rows = services.handover_rows(user=user, sheet=result.handover)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(handover.workbook(result.handover, rows))
        self.stdout.write(f"created {len(result.created)} accounts; hand-over list: {out}")
