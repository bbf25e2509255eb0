"""`lianfang roles`: grant, revoke and list roles on the command line.

Only a security administrator (安全管理员) grants roles on the pages (三员分立), so a fresh
installation starts here: whoever runs the platform's shell names the first security
administrator, who then grants every other role on 用户与角色.

lianfang roles grant zhangsan security --organisation H001 [--subordinates-writable]
lianfang roles grant lisi dept_head --organisation H001 --department XNK
lianfang roles revoke zhangsan security --organisation H001 [--department XNK]
lianfang roles list [--organisation H001] [--username zhangsan]

The roles are named by code (admin, security, auditor, integrity, leader, dept_head, staff)
or by their Chinese names (安全管理员 …). The command goes through the same service as the
pages (`accounts.services.role_grant` / `role_revoke`), so the same rules refuse (an account
never combines 系统管理员, 安全管理员 and 安全审计员), and the audit log names the operator
as `cli:<login>`.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianfang.accounts import services
from lianfang.accounts.models import RoleGrant, User
from lianfang.core.roles import Role
from lianfang.org.models import Department, Organisation

from .service_account import _actor


def _role(value: str) -> str:
    for code, label in Role.choices:
        if value in (code, str(label)):
            return code
    names = ", ".join(f"{code} ({label})" for code, label in Role.choices)
    raise CommandError(f"unknown role {value!r}; one of: {names}")


class Command(BaseCommand):
    help = "Grant, revoke and list roles (the first security administrator of an installation)."

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{grant,revoke,list}")
        for name, text in (("grant", "Grant a role on a node."), ("revoke", "Revoke a grant.")):
            command = sub.add_parser(name, help=text)
            command.add_argument("username")
            command.add_argument("role", help="admin, security, auditor, integrity, … or 中文名")
            command.add_argument("--organisation", required=True, help="The organisation's code.")
            command.add_argument("--department", default="", help="A department's code.")
        sub.choices["grant"].add_argument(
            "--subordinates-writable",
            action="store_true",
            help="下级单位可写: the grant also writes the units below the node.",
        )
        listing = sub.add_parser("list", help="The grants, by account.")
        listing.add_argument("--organisation", default="", help="Only this organisation's code.")
        listing.add_argument("--username", default="")

    def handle(self, *args, subcommand, **options):
        try:
            getattr(self, subcommand)(**options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

    def _user(self, username) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"no account named {username!r}") from exc

    def _organisation(self, code) -> Organisation:
        try:
            return Organisation.objects.get(code=code)
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"no organisation with code {code!r}") from exc

    def _department(self, organisation, code) -> Department | None:
        if not code:
            return None
        try:
            return Department.objects.get(organisation=organisation, code=code)
        except Department.DoesNotExist as exc:
            raise CommandError(f"no department {code!r} in {organisation.code}") from exc

    def grant(self, *, username, role, organisation, department, subordinates_writable, **_):
        org = self._organisation(organisation)
        grant = services.role_grant(
            actor=_actor(),
            user=self._user(username),
            role=_role(role),
            organisation=org,
            department=self._department(org, department),
            subordinates_writable=subordinates_writable,
        )
        self.stdout.write(f"granted: {grant}")

    def revoke(self, *, username, role, organisation, department, **_):
        org = self._organisation(organisation)
        grant = RoleGrant.objects.filter(
            user=self._user(username),
            role=_role(role),
            organisation=org,
            department=self._department(org, department),
        ).first()
        if grant is None:
            raise CommandError(f"{username} holds no such grant")
        services.role_revoke(actor=_actor(), grant=grant)
        self.stdout.write(f"revoked: {grant}")

    def list(self, *, organisation, username, **_):
        grants = RoleGrant.objects.select_related("user", "organisation", "department").order_by(
            "organisation__path", "role", "user__username"
        )
        if organisation:
            grants = grants.filter(organisation=self._organisation(organisation))
        if username:
            grants = grants.filter(user=self._user(username))
        for grant in grants:
            where = grant.organisation.code
            if grant.department:
                where += f"/{grant.department.code}"
            below = " 下级单位可写" if grant.subordinates_writable else ""
            active = "" if grant.user.is_active else " (inactive)"
            self.stdout.write(
                f"{grant.user.username}{active}\t{grant.role}\t{grant.get_role_display()}\t"
                f"{where}{below}"
            )
