from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "lianfang.reviews"
    label = "reviews"
    verbose_name = "审核流程"
