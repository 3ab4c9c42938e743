"""Uploaded product images, served from the active tenant's own media folder.

Files are stored under MEDIA_ROOT/<schema>/ (TenantFileSystemStorage), so their URLs are
/media/<schema>/<path>. This view answers only for the schema of the domain the request
came to, only below the public folders, and never outside them (path traversal is refused).
Images are public (storefronts will show them), so no sign-in is needed. In production a
web server may serve MEDIA_ROOT directly with the same rule: /media/<schema>/ only on that
tenant's host.
"""

from __future__ import annotations

import os
import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import cache_control

PUBLIC_PREFIXES = ("products/",)
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


@method_decorator(cache_control(public=True, max_age=7 * 24 * 3600), name="get")
class MediaServeView(View):
    def get(self, request, schema: str, path: str):
        if schema != connection.schema_name:
            raise Http404
        # Only canonical relative paths: no "..", ".", "//", backslashes or NUL, so the prefix
        # check below cannot be walked around.
        if "\\" in path or "\x00" in path or posixpath.normpath(path) != path:
            raise Http404
        if not path.startswith(PUBLIC_PREFIXES) or ".." in path.split("/"):
            raise Http404
        root = default_storage.location  # MEDIA_ROOT/<active schema>
        try:
            full = safe_join(root, path)
        except (SuspiciousFileOperation, ValueError):
            raise Http404 from None
        content_type = IMAGE_TYPES.get(os.path.splitext(full)[1].lower())
        if content_type is None or not os.path.isfile(full):
            raise Http404
        response = FileResponse(open(full, "rb"), content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'"
        return response
