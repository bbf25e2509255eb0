from django.urls import path

from . import delegation_views, monitor_views, views

app_name = "flows"
urlpatterns = [
    path("", views.todo, name="todo"),
    path("done/", views.done, name="done"),
    path("mine/", views.mine, name="mine"),
    path("start/", views.start_list, name="start_list"),
    path("start/<int:pk>/", views.start, name="start"),
    path("instances/<int:pk>/", views.instance, name="instance"),
    path("tasks/<int:pk>/act/", views.task_act, name="task_act"),
    path("definitions/", views.definitions, name="definitions"),
    path("definitions/new/", views.designer_new, name="designer_new"),
    path("definitions/<int:pk>/", views.definition, name="definition"),
    path("definitions/<int:pk>/design/", views.designer, name="designer"),
    path("monitor/", monitor_views.monitor, name="monitor"),
    path("monitor/tasks/", monitor_views.monitor_tasks, name="monitor_tasks"),
    path("delegations/", delegation_views.delegation_list, name="delegations"),
    path("delegations/new/", delegation_views.delegation_new, name="delegation_new"),
    path("delegations/people/", delegation_views.delegate_search, name="delegate_search"),
    path("delegations/<int:pk>/end/", delegation_views.delegation_end, name="delegation_end"),
]
