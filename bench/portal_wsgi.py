"""The application as bench/portal.py serves it: Lianfang's own WSGI application, with one
more URL, `/bench/bare/`, a bare Django view (`HttpResponse("ok")`) that goes through the
same middleware, so the portal's pages are measured against Django's own floor on the same
server. Not used anywhere else."""

import os

from django.urls import path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianfang.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.conf import settings  # noqa: E402
from django.http import HttpResponse  # noqa: E402

from lianfang import urls as lianfang_urls  # noqa: E402
from lianfang.core.access import public  # noqa: E402


@public
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *lianfang_urls.urlpatterns]
handler404 = lianfang_urls.handler404
handler500 = lianfang_urls.handler500
settings.ROOT_URLCONF = __name__
