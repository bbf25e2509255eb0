"""A logging filter for the reporter's pages (settings.LOGGING, the console handler).

The middleware already removes the address and browser from those requests, so nothing
downstream can log them; this filter is the second lock: a record about a request to an
intake or receipt page loses the request object (which error reports expand into headers)
and any address or user agent a library put into its arguments."""

import logging
import re

from .middleware import is_private

_ADDRESS = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}\b")


class ReporterPrivacyFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path_info", None) or getattr(request, "path", None) or ""
        if not path:
            message = record.getMessage()
            private = "/complaints/report/" in message or "/complaints/receipt/" in message
        else:
            private = is_private(path)
        if not private:
            return True
        if request is not None:
            record.request = None
        record.msg = _ADDRESS.sub("-", record.getMessage())
        record.args = ()
        return True
