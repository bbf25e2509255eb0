"""Every URL declares who may use it, and nothing but public pages answers an anonymous GET.

Generic on purpose: it walks the whole URLconf, so it covers pages added later. What each role
then gets from each URL, in and out of its scope, is declared in tests/test_scope_matrix.py.
"""

import uuid

import pytest
from django.http import HttpResponse
from django.urls import (
    NoReverseMatch,
    URLPattern,
    URLResolver,
    get_resolver,
    include,
    path,
    reverse,
)
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern

from lianfang.core.access import ACCESS_ATTR, public, role_required
from lianfang.core.roles import Role

# Views Django itself provides, allowed without a declaration, by qualified name.
ALLOWED_UNDECLARED = {
    # The language switcher: a POST that sets a cookie and redirects; the sign-in page
    # must offer it before anyone is signed in, and it reveals nothing.
    "django.views.i18n.set_language",
    # Static file serving in development (django.conf.urls.static), if it is ever mounted.
    "django.views.static.serve",
}


def walk(resolver, prefix=(), namespace=None):
    """Yield (patterns from the root, callback, namespaced name) for every URL below."""
    for entry in resolver.url_patterns:
        patterns = (*prefix, entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry, patterns, ns)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield patterns, entry.callback, name


def qualified_name(callback) -> str:
    target = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    return f"{target.__module__}.{target.__qualname__}"


def access_of(callback):
    """The declared access, on the function or the class-based / DRF view behind it."""
    for target in (callback, getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        if target is not None and hasattr(target, ACCESS_ATTR):
            return getattr(target, ACCESS_ATTR)
    return None


def undeclared(resolver) -> list[str]:
    problems = []
    for patterns, callback, name in walk(resolver):
        if access_of(callback) is None and qualified_name(callback) not in ALLOWED_UNDECLARED:
            route = "".join(str(p) for p in patterns)
            problems.append(f"{route} ({name or qualified_name(callback)})")
    return problems


SAMPLE_VALUES = {IntConverter: 1, SlugConverter: "x", UUIDConverter: uuid.UUID(int=1)}


def sample_kwargs(patterns):
    """Plausible values for a URL's parameters, so it can be reversed; None if unknown."""
    kwargs = {}
    for pattern in patterns:
        if isinstance(pattern, RoutePattern):
            for key, converter in pattern.converters.items():
                # str, path and custom converters: a plain word usually matches.
                kwargs[key] = SAMPLE_VALUES.get(type(converter), "x")
        elif isinstance(pattern, RegexPattern):
            for key in pattern.regex.groupindex:
                kwargs[key] = "1"
            if pattern.regex.groups > len(pattern.regex.groupindex):
                return None
    return kwargs


def protected_urls():
    urls = []
    for patterns, callback, name in walk(get_resolver()):
        access = access_of(callback)
        if access is None or access == ("public",) or not name:
            continue
        kwargs = sample_kwargs(patterns)
        if kwargs is None:
            continue
        try:
            urls.append(reverse(name, kwargs=kwargs))
        except NoReverseMatch:
            continue
    return urls


def test_every_url_declares_who_may_use_it():
    assert undeclared(get_resolver()) == []


def test_the_check_notices_an_undeclared_view():
    def forgotten(request):
        return HttpResponse()

    declared = role_required(Role.STAFF)(lambda request: HttpResponse())
    sample = URLResolver(
        RegexPattern(r"^/"),
        [
            path("open/", public(lambda request: HttpResponse()), name="open"),
            path("inner/", include(([path("x/<int:pk>/", forgotten, name="x")], "app"))),
            path("ok/", declared, name="ok"),
        ],
    )
    assert undeclared(sample) == ["inner/x/<int:pk>/ (app:x)"]


def test_protected_urls_were_found():
    urls = protected_urls()
    assert "/" in urls and "/accounts/users/" in urls
    assert "/accounts/users/1/" in urls  # URLs with parameters are checked too


@pytest.mark.django_db
def test_anonymous_get_never_sees_a_protected_page(client):
    failures = []
    for url in protected_urls():
        response = client.get(url)
        if response.status_code == 200:
            failures.append(url)
        elif response.status_code in (301, 302):
            assert "/accounts/login/" in response.url, url
    assert failures == []
