from django.urls import path

from . import api

urlpatterns = [
    path("satisfaction/tokens/", api.TokenIssueView.as_view(), name="api-satisfaction-tokens"),
]
