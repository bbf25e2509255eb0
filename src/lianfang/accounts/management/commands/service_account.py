"""`lianfang service_account`: accounts for integrations and their API tokens.

lianfang service_account create his-sync --organisation H001 --name "HIS 对接"
(an administrator then grants its roles on 用户与角色)
lianfang service_account token his-sync     # prints a new token; the old one stops working
lianfang service_account revoke his-sync    # any account's token, persons' old ones too
lianfang service_account list               # service accounts and whether they hold a token
"""

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token

from lianfang.accounts import api_tokens
from lianfang.accounts.models import User
from lianfang.org.models import Organisation


def _actor() -> str:
    """Who ran the command, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


class Command(BaseCommand):
    help = "Service accounts for integrations and their API tokens (see docs/deployment.md)."

    def add_arguments(self, parser: CommandParser):
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="{create,token,revoke,list}"
        )
        create = sub.add_parser("create", help="Create a service account (no password, no role).")
        create.add_argument("username")
        create.add_argument("--organisation", required=True, help="The organisation's code.")
        create.add_argument("--name", default="", help="Display name, e.g. the integration.")
        token = sub.add_parser("token", help="Issue a new token (the old one stops working).")
        token.add_argument("username")
        revoke = sub.add_parser("revoke", help="Withdraw an account's token.")
        revoke.add_argument("username")
        sub.add_parser("list", help="Service accounts, their roles and whether they hold a token.")

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

    def create(self, *, username, organisation, name, **options):
        try:
            org = Organisation.objects.get(code=organisation)
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"no organisation with code {organisation!r}") from exc
        user = api_tokens.service_account_create(
            actor=_actor(), username=username, organisation=org, display_name=name
        )
        self.stdout.write(
            f"created service account {user.username} on {org.name}; an administrator now "
            "grants its roles (用户与角色), then `service_account token` issues its token"
        )

    def token(self, *, username, **options):
        key = api_tokens.api_token_issue(actor=_actor(), user=self._user(username))
        self.stdout.write(key)

    def revoke(self, *, username, **options):
        if api_tokens.api_token_revoke(actor=_actor(), user=self._user(username)):
            self.stdout.write(f"revoked the token of {username}")
        else:
            self.stdout.write(f"{username} has no token")

    def list(self, **options):
        holders = set(Token.objects.values_list("user_id", flat=True))
        for user in User.objects.order_by("username").prefetch_related("role_grants"):
            if api_tokens.is_service_account(user):
                roles = ", ".join(str(g) for g in user.role_grants.all()) or "no role"
                token = "token" if user.pk in holders else "no token"
                self.stdout.write(f"{user.username}\t{token}\t{roles}")
