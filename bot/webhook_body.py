"""Reading a webhook body with a size limit (both platforms: over 1 MB is a 413)."""

from __future__ import annotations

from fastapi import Request

MAX_BODY_BYTES = 1024 * 1024


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The body, or None once it passes ``limit`` (declared or actual; read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
