"""An attachment's download: only through here, only for whom its use allows."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from .access import role_required
from .attachments import attachment_content, use_of
from .documents import file_response
from .models import Attachment
from .roles import Role


@role_required(*Role.ALL)
def attachment_download(request, pk):
    """The file, as an attachment (never shown inline); 404 to whoever may not read what it
    is attached to, as that object's own page would answer."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("content_type"), pk=pk, deleted_at__isnull=True
    )
    target = attachment.target
    if target is None or not use_of(attachment.use).may_read(request.user, target):
        raise Http404
    return file_response(attachment_content(attachment), attachment.name, attachment.mime_type)
