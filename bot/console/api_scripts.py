"""Admin only: the scripts editor (flows, FAQ, pricing, care calendar — every ``*.yml`` of
CARELINE_FLOWS_DIR). Same validator as ``careline flows check``; versioned; rollback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from bot.console import audit, auth
from bot.console import scripts_store as store
from bot.console.deps import ApiError, iso, now_of, services
from bot.console.roles import Admin
from flows.loader import fingerprint
from storage.types import MAX_ID

router = APIRouter(tags=["console admin"])


class CheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: str = Field(max_length=store.MAX_BYTES)


class SaveBody(CheckBody):
    comment: str | None = Field(None, max_length=500)


class RollbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version_id: int = Field(ge=1, le=MAX_ID)
    comment: str | None = Field(None, max_length=500)


def _folder(request: Request) -> Path:
    return services(request).settings.flows_dir


def _path(request: Request, name: str) -> Path:
    try:
        return store.resolve(_folder(request), name)
    except store.NotAScript as exc:
        raise ApiError(404, str(exc)) from None


@router.get("/scripts")
def list_scripts(request: Request, _: Admin) -> dict[str, Any]:
    svc = services(request)
    with svc.db.read() as s:
        counts = store.version_counts(s)
    items = []
    for p in store.files(_folder(request)):
        st = p.stat()
        items.append({"name": p.name, "size": st.st_size, "versions": counts.get(p.name, 0),
                      "modified_at": iso(_mtime(st.st_mtime))})
    return {"items": items, "flows_version": svc.scripts.version,
            "live_errors": [str(e) for e in svc.scripts.last_errors]}


def _mtime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@router.get("/scripts/{name}")
def get_script(name: str, request: Request, _: Admin) -> dict[str, Any]:
    path = _path(request, name)
    with services(request).db.read() as s:
        versions = store.versions(s, path.name)
    return {"name": path.name, "content": path.read_text(encoding="utf-8"), "versions": versions}


@router.get("/scripts/{name}/versions/{version_id}")
def get_version(name: str, version_id: Annotated[int, PathParam(ge=1, le=MAX_ID)], request: Request,
                _: Admin) -> dict[str, Any]:
    path = _path(request, name)
    with services(request).db.read() as s:
        content = store.version_content(s, path.name, version_id)
    if content is None:
        raise ApiError(404, f"no version {version_id} of {path.name}")
    return {"name": path.name, "id": version_id, "content": content}


@router.post("/scripts/{name}/check")
def check_script(name: str, body: CheckBody, request: Request,
                 _: Admin) -> dict[str, Any]:
    """Validate the whole folder with this file replaced; nothing is saved."""
    path = _path(request, name)
    result = store.check(path.parent, path.name, body.content)
    return {"ok": result.ok, "errors": result.errors, "warnings": result.warnings}


def _save(request: Request, who: auth.SessionUser, path: Path, content: str,
          comment: str | None, action: str, details: dict[str, Any]) -> dict[str, Any]:
    svc = services(request)
    now = now_of(request)
    with store.SAVE_LOCK:
        result = store.check(path.parent, path.name, content)
        if not result.ok:
            first = result.errors[0]
            raise ApiError(422, f"{first['file']}:{first['line']}: {first['message']} — not saved; "
                           "the running version stays live",
                           extra={"errors": result.errors, "warnings": result.warnings})
        with svc.db.transaction() as conn:
            version_id = store.save_version(conn, path, content, author=who.user.username,
                                            comment=comment, now=now)
            audit.record(conn, request, who.user.username, action, path.name,
                         {**details, "version_id": version_id, "comment": comment}, now=now)
        reloaded = svc.scripts.check_now()
    live = svc.scripts.bundle.fingerprint == fingerprint(path.parent)
    return {"ok": True, "version_id": version_id, "flows_version": svc.scripts.version,
            "live": live, "warnings": result.warnings,
            "reload_errors": [str(e) for e in reloaded.errors] if reloaded else []}


@router.put("/scripts/{name}")
def save_script(name: str, body: SaveBody, request: Request,
                who: Admin) -> dict[str, Any]:
    """Validate, store a version, write the file and reload; 422 with ``errors`` (file:line)
    when invalid, and then nothing changes."""
    path = _path(request, name)
    return _save(request, who, path, body.content, body.comment, "script.save", {})


@router.post("/scripts/{name}/rollback")
def rollback(name: str, body: RollbackBody, request: Request,
             who: Admin) -> dict[str, Any]:
    """Make an earlier version current again (saved as a new version, validated first)."""
    path = _path(request, name)
    with services(request).db.read() as s:
        content = store.version_content(s, path.name, body.version_id)
    if content is None:
        raise ApiError(404, f"no version {body.version_id} of {path.name}")
    comment = body.comment or f"rollback to version {body.version_id}"
    return _save(request, who, path, content, comment, "script.rollback",
                 {"to_version": body.version_id})
