from django.apps import AppConfig

from lianfang.core.navigation import ModuleSpec


class FlowsConfig(AppConfig):
    """Power flows (职务权力运行): BPMN definitions run by SpiffWorkflow, their tasks and
    internal control points (内控点), which publish through core.publications."""

    name = "lianfang.flows"
    label = "flows"
    verbose_name = "权力运行"

    platform_modules = (
        ModuleSpec("flows", "权力运行", "Power flows", "diagram-2", 40, urls=("flows",)),
    )

    def ready(self):
        # register with core: audit labels, the attachment use, the scoping selectors
        from . import attachments, audit_labels, selectors  # noqa: F401
