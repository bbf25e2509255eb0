"""What every create/edit page shares: show a form; on a valid POST hand its data to one
service; put the service's `ValidationError` back on the form, or flash a success message and
redirect.

    return form_page(
        request,
        DepartmentForm(request.POST or None, user=user, instance=dept),
        save=lambda data: services.department_update(actor=user, department=dept, data=data),
        success=_("已保存科室信息。"),
        next_url=detail,
        template="org/form.html",
        title=_("编辑科室：%(name)s") % {"name": dept.name},
        cancel_url=detail,
    )

`save_form` is the first half alone, for a page that does something else once saved. The
form needs `apply_service_errors` (`core.forms.ServiceErrorsMixin`). Anything `save`
raises besides a `ValidationError` (a `PermissionDenied` of a check made once the data is
known) goes through as it would from the view.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

NOT_SAVED = object()


def save_form(request, form, save, success):
    """Validate `form`, then `save(cleaned_data)` (the service call). What `save` returns
    (what it wrote), after flashing `success` (a message, or a function of what was written);
    `NOT_SAVED` when the form is invalid or the service refused (its errors then on the form).
    """
    if not form.is_valid():
        return NOT_SAVED
    try:
        saved = save(form.cleaned_data)
    except ValidationError as error:
        form.apply_service_errors(error)
        return NOT_SAVED
    messages.success(request, success(saved) if callable(success) else success)
    return saved


def form_page(request, form, *, save, success, next_url, template, **context):
    """A create/edit page: `form` shown in `template` (with `context`), saved by `save`.

    A POST goes through `save_form`; once saved, the page redirects to `next_url` (or
    `next_url(what was written)`: the new object's page). Otherwise the form is shown (again,
    with its errors).
    """
    if request.method == "POST":
        saved = save_form(request, form, save, success)
        if saved is not NOT_SAVED:
            return redirect(next_url(saved) if callable(next_url) else next_url)
    return render(request, template, {"form": form, **context})
