from django.db import migrations

MODULES = [
    ("dashboard", "工作台", "Dashboard", "speedometer2", 10),
    ("org", "组织与人员", "Organisation and people", "diagram-3", 20),
    ("audit", "审计日志", "Audit log", "shield-check", 80),
    ("portal", "公开栏目", "Disclosure columns", "megaphone", 85),
    ("maintenance", "系统维护", "System maintenance", "gear", 90),
]
COLUMNS = {
    "portal": [
        ("leadership", "领导机构", "Leadership", 10),
        ("risk-levels", "风险等级", "Risk levels", 20),
        ("power-holders", "权力运行主体", "Power holders", 30),
        ("regulations", "党纪法规及规章制度", "Regulations", 40),
        ("notices", "通知公告", "Notices", 50),
        ("news", "防控工作动态", "Work news", 60),
    ],
}


def seed(apps, schema_editor):
    Module = apps.get_model("core", "Module")
    Column = apps.get_model("core", "Column")
    for code, name, name_en, icon, order in MODULES:
        module, _ = Module.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "icon": icon, "order": order}
        )
        for c_code, title, title_en, c_order in COLUMNS.get(code, []):
            Column.objects.get_or_create(
                module=module,
                code=c_code,
                defaults={"title": title, "title_en": title_en, "order": c_order, "public": True},
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
