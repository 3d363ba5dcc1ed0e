"""The HTTP response that hands a stored attachment over, for the portal and the staff admin.

Always a download, never shown inline: the file came from a customer's mail or upload.
"""

from __future__ import annotations

from django.http import FileResponse

from .models import Attachment


def attachment_download_response(attachment: Attachment) -> FileResponse:
    # FileResponse writes Content-Disposition: attachment with the name quoted, and the
    # RFC 5987 form (filename*=utf-8''...) for Japanese names: no header injection.
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Even if a browser ignored the attachment disposition, the file could run nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
