from django.apps import AppConfig

from lianfang.core.navigation import ColumnSpec, ModuleSpec


class FlowsConfig(AppConfig):
    """Power flows (职务权力运行): BPMN definitions run by SpiffWorkflow, their tasks and
    internal control points (内控点), which publish through core.publications."""

    name = "lianfang.flows"
    label = "flows"
    verbose_name = "权力运行"

    platform_modules = (
        ModuleSpec(
            "flows",
            "权力运行",
            "Power flows",
            "diagram-2",
            40,
            urls=("flows",),
            columns=(
                ColumnSpec("results", "权力运行公开", "Power operation results", 10, public=True),
            ),
        ),
    )

    def ready(self):
        # register with core: audit labels, the attachment use, the scoping selectors
        from . import attachments, audit_labels, selectors  # noqa: F401

        self.register_rules()

    def register_rules(self):
        """The rules: who handles a task, its time limit and reminders, what a control point
        publishes (the engine's seams, the settings, the periodic task)."""
        from . import deadlines, handlers, org_settings, publications, tasks  # noqa: F401

        handlers.register()
        deadlines.register()
        publications.register()
