from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lianfang.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        from . import selectors  # noqa: F401  (registers visible_to selectors)
