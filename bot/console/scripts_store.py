"""The scripts folder as the admin editor sees it: listing, validating, saving, versions.

A candidate file is validated with the WHOLE folder (a copy, with that one file replaced)
by flows.loader.load_bundle — the validator of ``careline flows check`` — so an edit that
breaks a reference in another file is refused too. Saving writes a temporary file and
``os.replace``s it (readers never see half a file), then reloads the live bundle.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from flows.loader import LoadResult, ScriptError, load_bundle, script_files
from storage.conn import Tx, conn_of
from storage.models_console import ScriptVersion

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}\.ya?ml$")
MAX_BYTES = 1_000_000
#: one save at a time per process (validate → version → write → reload)
SAVE_LOCK = threading.Lock()


class NotAScript(LookupError):
    """The name is not one of the folder's script files."""


@dataclass(frozen=True, slots=True)
class Checked:
    ok: bool
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


def files(directory: Path) -> list[Path]:
    return [p for p in script_files(directory) if NAME.match(p.name)]


def resolve(directory: Path, name: str) -> Path:
    """The script file called ``name``: only an existing file of the folder, by its exact
    name, never a path built from the request (no traversal)."""
    if NAME.match(name):
        for path in files(directory):
            if path.name == name:
                return path
    raise NotAScript(f"no script file {name!r}; the editable files are listed by GET /scripts")


def _issue(e: ScriptError, root: Path) -> dict[str, Any]:
    file = Path(e.file)
    shown = file.name if file.parent == root or file == root else e.file
    return {"file": shown, "line": e.line, "message": e.message, "hint": e.hint}


def check(directory: Path, name: str, content: str) -> Checked:
    """Validate the folder as it would be with ``name`` holding ``content``."""
    if len(content.encode("utf-8")) > MAX_BYTES:
        return Checked(False, [{"file": name, "line": 1, "message": "file is too large",
                                "hint": f"keep a script under {MAX_BYTES // 1000} kB"}], [])
    with tempfile.TemporaryDirectory(prefix="careline-check-") as tmp:
        root = Path(tmp) / "scripts"
        shutil.copytree(directory, root, ignore=shutil.ignore_patterns(".*", "__pycache__"))
        (root / name).write_text(content, encoding="utf-8")
        result: LoadResult = load_bundle(root)
        return Checked(result.ok, [_issue(e, root) for e in result.errors],
                       [_issue(e, root) for e in result.warnings])


def write_atomic(path: Path, content: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")  # dot: not a script
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def versions(tx: Tx, name: str) -> list[dict[str, Any]]:
    v = ScriptVersion
    rows = conn_of(tx).execute(select(v.id, v.author, v.comment, v.created_at)
                               .where(v.file_name == name).order_by(v.id.desc()))
    return [{"id": r[0], "author": r[1], "comment": r[2], "created_at": r[3].isoformat()}
            for r in rows]


def version_content(tx: Tx, name: str, version_id: int) -> str | None:
    v = ScriptVersion
    return conn_of(tx).execute(select(v.content).where(v.id == version_id,
                                                       v.file_name == name)).scalar()


def version_counts(tx: Tx) -> dict[str, int]:
    v = ScriptVersion
    return {str(r[0]): int(r[1]) for r in conn_of(tx).execute(
        select(v.file_name, func.count()).group_by(v.file_name))}


def save_version(tx: Tx, path: Path, content: str, *, author: str, comment: str | None,
                 now: datetime) -> int:
    """Record ``content`` as the file's newest version (the file's current text first,
    when the console has never saved it), then write it to the folder."""
    conn = conn_of(tx)
    v = ScriptVersion
    seen = conn.execute(select(v.id).where(v.file_name == path.name).limit(1)).first()
    if seen is None:
        conn.execute(insert(v).values(file_name=path.name, content=path.read_text(encoding="utf-8"),
                                      author="(file)", comment="as found before the first console edit",
                                      created_at=now))
    version_id = int(conn.execute(insert(v).values(
        file_name=path.name, content=content, author=author, comment=comment, created_at=now)
        .returning(v.id)).scalar_one())
    write_atomic(path, content)
    return version_id
