from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lianfang.core.navigation import ColumnSpec, ModuleSpec, NavGroup, NavItem
from lianfang.core.roles import Role

# Who keeps the flow definitions (the designer): administrators and the integrity office.
DESIGNERS = (Role.ADMIN, Role.INTEGRITY)
# Who watches the flows run (防控运行监控): the integrity office and the leaders.
MONITORS = (Role.INTEGRITY, Role.LEADER)


def _entry(label, url_name, icon, roles, order, badge=""):
    return NavItem("flows", label, url_name, icon, roles, group="flows", order=order, badge=badge)


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
    nav_groups = (NavGroup("flows", _("权力运行"), 40),)
    nav_items = (
        _entry(_("待办"), "flows:todo", "inbox", Role.ALL, 10, badge="flows.todo"),
        _entry(_("已办"), "flows:done", "check2-all", Role.ALL, 20),
        _entry(_("我发起的"), "flows:mine", "send", Role.ALL, 30),
        _entry(_("发起"), "flows:start_list", "plus-square", Role.ALL, 40),
        _entry(_("防控运行监控"), "flows:monitor", "activity", MONITORS, 80),
        _entry(_("代理"), "flows:delegations", "person-check", Role.ALL, 50),
        _entry(_("流程定义"), "flows:definitions", "diagram-2", DESIGNERS, 90),
    )

    def ready(self):
        # register with core: audit labels, the attachment use, the scoping selectors, the
        # menu's count of tasks
        from . import attachments, audit_labels, badges, portal_hooks, selectors  # noqa: F401

        self.register_rules()

    def register_rules(self):
        """The rules: who handles a task, its time limit and reminders, what a control point
        publishes (the engine's seams, the settings, the periodic task)."""
        from . import deadlines, handlers, org_settings, publications, tasks  # noqa: F401

        handlers.register()
        deadlines.register()
        publications.register()
