from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("org/organisations", api.OrganisationViewSet, basename="api-organisation")
router.register("org/departments", api.DepartmentViewSet, basename="api-department")
router.register("org/posts", api.PostViewSet, basename="api-post")
router.register("org/people", api.PersonViewSet, basename="api-person")
router.register("org/powers", api.PowerViewSet, basename="api-power")

urlpatterns = router.urls
