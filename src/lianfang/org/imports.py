"""The page every Excel import of an organisation's data shares (staff roster, power
catalogue, risk register): pick the organisation (preset when the user manages one), upload,
and get either the counts or every row's error; nothing is written unless every row passes
(ARCHITECTURE.md, "Imports")."""

from django.contrib import messages
from django.shortcuts import render

from . import selectors


def organisation_import_page(
    request,
    *,
    form_class,
    importer,
    file_error,
    template: str,
    success,
    context: dict | None = None,
):
    """Run an import page.

    `importer(actor=, organisation=, file=)` returns a result with `ok` (and the counts);
    it raises `file_error` when the file cannot be read at all. `success(result)` is the
    message shown after a successful import. A refused upload answers 400.
    """
    user = request.user
    initial = {}
    organisations = selectors.organisations_manageable_by(user)
    if organisations[:2].count() == 1:
        initial["organisation"] = organisations.first()
    form = form_class(request.POST or None, request.FILES or None, user=user, initial=initial)
    result = error = organisation = None
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        try:
            result = importer(actor=user, organisation=organisation, file=form.cleaned_data["file"])
        except file_error as exc:
            error = str(exc)
        if result is not None and result.ok:
            messages.success(request, success(result))
    refused = bool(error or (result is not None and not result.ok))
    invalid = request.method == "POST" and not form.is_valid()
    return render(
        request,
        template,
        {
            "form": form,
            "result": result,
            "file_error": error,
            "organisation": organisation,
            **(context or {}),
        },
        status=400 if refused or invalid else 200,
    )
