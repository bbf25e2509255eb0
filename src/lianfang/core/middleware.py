import re

from django.http import Http404

from .navigation import always_on_codes, enabled_module_codes, module_of


class ContentSecurityPolicyMiddleware:
    """A strict CSP: everything from this origin, no inline scripts, no third-party hosts."""

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'; object-src 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.POLICY)
        return response


class NoStoreMiddleware:
    """Nothing the application answers is kept by a browser or a proxy cache.

    Pages and files hold personal data (rosters, registers, photos, exports): a shared
    computer's browser cache or a caching proxy must not keep them after the user signs out.
    So every response to a signed-in user (a session or an API token) is `private, no-store`,
    overriding what a view set; an anonymous response (the login page) is too unless its view
    chose its own caching. Static files are answered by WhiteNoise above this middleware and
    keep their long-lived caching.
    """

    VALUE = "private, no-store"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or not response.has_header("Cache-Control"):
            response["Cache-Control"] = self.VALUE
        return response


class ModuleEnabledMiddleware:
    """A URL of a module that is off for the user answers 404: off platform-wide, or off in
    every organisation of theirs (see `navigation.enabled_module_codes`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        code = module_of(match.view_name) if match else None
        if code and code not in always_on_codes() and code not in enabled_module_codes(request):
            raise Http404("module disabled")
        return None


class ChosenLanguageMiddleware:
    """Chinese unless the user chose English with the switch (the language cookie).

    The browser's Accept-Language is ignored: staff on an English-language system still get
    the platform's default, Simplified Chinese, until they ask for English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class DownloadStartedMiddleware:
    """Tells a page that a download it asked for has started, so its link can stop showing
    that the file is being made (app.js, links marked `data-download`).

    Before following such a link the page sets the cookie `lf_download` to a random token; a
    response that is a file to save (`Content-Disposition: attachment`) answers with the cookie
    `lf_download_done` set to the same token, which the page sees as soon as the response's
    headers arrive, before the file is saved. Any other response (a page, a redirect to the
    job that makes a large file) replaces the page anyway. The cookies carry nothing but the
    token: a token of any other shape is ignored.
    """

    ASKED = "lf_download"
    DONE = "lf_download_done"
    TOKEN = re.compile(r"[A-Za-z0-9]{8,40}")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        token = request.COOKIES.get(self.ASKED, "")
        disposition = response.get("Content-Disposition", "")
        if disposition.startswith("attachment") and self.TOKEN.fullmatch(token):
            # read by the page's script: not HttpOnly; a minute is ample for the page to see it
            response.set_cookie(
                self.DONE, token, max_age=60, samesite="Strict", secure=request.is_secure()
            )
            response.delete_cookie(self.ASKED, samesite="Strict")
        return response
