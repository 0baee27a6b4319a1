"""All-or-nothing output files: a file is either the complete new version or the old one.

Writing ``results.json`` straight into place means a full disk leaves a truncated file behind and
destroys the good one from an earlier run. Every output therefore goes to a temporary name in the
*same* folder (so the final step is a rename within one file system, which the operating system
performs atomically: ``os.replace``), is flushed to the disk (``fsync``), and only then takes the
real name. If anything fails first, the temporary file is removed and the old file is untouched.

Three helpers, from one file to a whole set:

- :func:`write_text` / :func:`write_bytes` write one file atomically;
- :func:`replacing` yields a temporary path for writers that want a path of their own
  (DuckDB's ``COPY ... TO``, ``Presentation.save``) and puts it in place when the block succeeds;
- :func:`all_or_nothing` stages a whole set of files (results.json, the quarantine files, the
  report) in a hidden folder inside the output folder; when the block succeeds every file is
  moved into place, and if one move fails the ones already moved are put back. Writers simply
  write into ``staging.folder`` as if it were the output folder.

A failure is raised as :class:`OutputWriteError`, an ``OSError`` that keeps the original error
number and says which folder was left unchanged, so the command line can say so in one line.
A process killed in the middle leaves at most a hidden ``.cxroi-*`` file or folder, never a
half-written output under its real name.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_PREFIX = ".cxroi-"
# mkstemp makes files only the owner can read; an output gets the mode a plain open() would give.
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK


class OutputWriteError(OSError):
    """Writing an output failed; nothing under ``unchanged`` was modified."""

    def __init__(self, cause: OSError, target: Path, unchanged: Path) -> None:
        code = cause.errno if cause.errno is not None else errno.EIO
        super().__init__(code, cause.strerror or str(cause), str(target))
        self.unchanged = unchanged


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; return ``path``."""
    return write_bytes(path, text.encode(encoding))


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return ``path``."""
    with replacing(path) as temporary:
        with temporary.open("wb") as fh:
            fh.write(data)
    return path


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, else it vanishes."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f"{_PREFIX}{path.name}.", dir=path.parent)
        os.close(handle)
        os.chmod(name, _FILE_MODE)
    except OSError as exc:
        raise OutputWriteError(exc, path, path) from exc
    temporary = Path(name)
    try:
        yield temporary
        _flush(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OutputWriteError(exc, path, path) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _flush_folder(path.parent)


@dataclass
class StagedOutputs:
    """Where a set of outputs is written before it is moved into ``target`` as one."""

    target: Path
    folder: Path
    _discard: set[Path] = field(default_factory=set)

    def path(self, relative: str | Path) -> Path:
        """The staging path for ``relative`` (its folders are created)."""
        staged = self.folder / relative
        staged.parent.mkdir(parents=True, exist_ok=True)
        return staged

    def write_text(self, relative: str | Path, text: str, encoding: str = "utf-8") -> Path:
        """Stage a text file; return where it will land."""
        return self.write_bytes(relative, text.encode(encoding))

    def write_bytes(self, relative: str | Path, data: bytes) -> Path:
        """Stage a binary file; return where it will land."""
        final = self.target / relative
        try:
            self.path(relative).write_bytes(data)
        except OSError as exc:  # a failed write() names no file: name the output it was for
            raise OSError(exc.errno, exc.strerror or str(exc), str(final)) from exc
        return final

    def final(self, staged: Path) -> Path:
        """Where a file written under :attr:`folder` lands once the set is committed."""
        return self.target / Path(staged).relative_to(self.folder)

    def discard(self, relative: str | Path) -> None:
        """Remove ``target/relative`` when the set is committed (an earlier run's stale output)."""
        self._discard.add(Path(relative))


@contextmanager
def all_or_nothing(target: Path) -> Iterator[StagedOutputs]:
    """Stage files in a hidden folder inside ``target``; move them all into place, or none."""
    target = Path(target)
    created = not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}staging-", dir=target))
    except OSError as exc:
        raise OutputWriteError(exc, target, target) from exc
    staged = StagedOutputs(target, work / "files")
    committed = False
    try:
        staged.folder.mkdir()
        yield staged
        _commit(staged, work / "replaced")
        committed = True
    except OutputWriteError:
        raise
    except OSError as exc:
        raise OutputWriteError(exc, _final_name(exc, staged), target) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if created and not committed:
            _remove_if_empty(target)


def _final_name(exc: OSError, staged: StagedOutputs) -> Path:
    """The output a failed write was for, named as the user will look for it."""
    if not exc.filename:
        return staged.target
    where = Path(str(exc.filename))
    return staged.final(where) if where.is_relative_to(staged.folder) else where


def _commit(staged: StagedOutputs, backups: Path) -> None:
    files = sorted(p for p in staged.folder.rglob("*") if p.is_file())
    for file in files:
        _flush(file)
    moves = [(file, staged.final(file)) for file in files]
    removals = [staged.target / r for r in sorted(staged._discard)]
    done: list[tuple[Path, Path | None]] = []  # (final path, a second name for what it replaced)
    try:
        for source, final in moves:
            final.parent.mkdir(parents=True, exist_ok=True)
            backup = _keep_old(final, backups, len(done)) if final.exists() else None
            done.append((final, backup))
            os.replace(source, final)
        for final in removals:
            if final.is_file():
                done.append((final, _keep_old(final, backups, len(done))))
                final.unlink()
    except OSError:
        _roll_back(done)
        raise
    for folder in sorted({final.parent for _, final in moves} | {staged.target}):
        _flush_folder(folder)


def _keep_old(final: Path, backups: Path, index: int) -> Path:
    """A second name for the file about to be replaced, so a failed commit can restore it.

    A hard link keeps the old file visible under its own name until the atomic replace; file
    systems without hard links get a rename instead.
    """
    backups.mkdir(exist_ok=True)
    backup = backups / str(index)
    try:
        os.link(final, backup)
    except OSError:
        os.replace(final, backup)
    return backup


def _roll_back(done: list[tuple[Path, Path | None]]) -> None:
    for final, backup in reversed(done):
        try:
            if backup is not None:
                os.replace(backup, final)
            else:
                final.unlink(missing_ok=True)
        except OSError:
            continue  # best effort: the original error is what the user needs to see


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _flush(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _flush_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); folders cannot be opened this way on Windows."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def os_error_from_engine(message: str, path: Path) -> OSError:
    """An ``OSError`` with the right error number for an engine's text (DuckDB writes text only)."""
    for code in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS,
                 errno.ENOTDIR, errno.EISDIR, errno.ENOENT, errno.EIO):
        if os.strerror(code).lower() in message.lower():
            return OSError(code, os.strerror(code), str(path))
    first = message.strip().splitlines()[0] if message.strip() else "write failed"
    return OSError(errno.EIO, first, str(path))


def usable_folder(target: Path) -> None:
    """Raise ``OSError`` now if ``target`` cannot be created or written into.

    Run before a long job, so a bad ``--out`` fails in a second rather than after the analysis.
    A folder created only for this check is removed again.
    """
    target = Path(target)
    created = not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f"{_PREFIX}probe-", dir=target)
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
    finally:
        if created:
            _remove_if_empty(target)
