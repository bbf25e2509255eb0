from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("flows/definitions", api.DefinitionViewSet, basename="api-flow-definition")
router.register("flows/instances", api.InstanceViewSet, basename="api-flow-instance")
router.register("flows/tasks", api.TaskViewSet, basename="api-flow-task")

urlpatterns = router.urls
