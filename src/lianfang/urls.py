from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from lianfang.core.access import public, role_required
from lianfang.core.roles import Role

urlpatterns = [
    path("", include("lianfang.core.urls")),
    path("", include("lianfang.dashboard.urls")),
    path("accounts/", include("lianfang.accounts.urls")),
    path("org/", include("lianfang.org.urls")),
    path("risks/", include("lianfang.risks.urls")),
    path("flows/", include("lianfang.flows.urls")),
    path("content/", include("lianfang.content.urls")),
    path("complaints/", include("lianfang.complaints.urls")),
    path("satisfaction/", include("lianfang.satisfaction.urls")),
    path("campaigns/", include("lianfang.campaigns.urls")),
    path("commitments/", include("lianfang.commitments.urls")),
    path("assessments/", include("lianfang.assessments.urls")),
    path("exchange/", include("lianfang.exchange.urls")),
    # the content module's pages under the portal's /gk/<org>/ (articles, search, feeds)
    path("gk/", include("lianfang.content.public_urls")),
    path("gk/", include("lianfang.portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "api/schema/",
        role_required(*Role.ALL)(SpectacularAPIView.as_view()),
        name="api-schema",
    ),
    path("api/", include("lianfang.org.api_urls")),
    path("api/", include("lianfang.risks.api_urls")),
    path("api/", include("lianfang.satisfaction.api_urls")),
    path("api/", include("lianfang.flows.api_urls")),
]

handler404 = "lianfang.core.views.not_found"
handler403 = "lianfang.core.views.forbidden"
handler500 = "lianfang.core.views.server_error"

__all__ = ["urlpatterns", "public"]
