from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "lianfang.reviews"
    label = "reviews"
    verbose_name = "审核流程"

    def ready(self):
        from . import notifications  # noqa: F401  (declares the chain's kinds of message)
