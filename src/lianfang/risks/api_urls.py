from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("risks/points", api.RiskPointViewSet, basename="api-risk-point")
router.register("risks/measures", api.MeasureViewSet, basename="api-measure")

urlpatterns = router.urls
