"""Errors that mean "the input is wrong" (exit code 2), as opposed to bugs.

Each carries every problem found, not just the first, so a user fixes a file once.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One fault in user input: where it is, which rule it breaks, and what to do."""

    where: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message} [{self.rule}]"


class CxroiInputError(Exception):
    """Bad user input. The CLI prints ``problems`` and exits with code 2."""

    title = "invalid input"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ConfigError(CxroiInputError):
    title = "invalid configuration"


class ContractError(CxroiInputError):
    title = "dataset breaks the data contract"


class ResultsFileError(CxroiInputError):
    title = "results file cannot be read"


# Exit codes of the command line (docs/cli.md): 2 = fix the command or the input and run again;
# 1 = the machine failed (disk full, no permission, read-only or broken device).
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 1

# Error numbers that mean the path given cannot be used as asked (a file where a folder must be,
# a name too long): a bad argument, not a failing machine.
_BAD_PATH = {errno.ENOTDIR, errno.EEXIST, errno.EISDIR, errno.ENAMETOOLONG, errno.EINVAL}
_FIX_ACCESS = "choose a folder you may write to, or fix its permissions"
_CAUSES = {
    errno.ENOSPC: ("no space left on the device", "free some space and run again"),
    errno.EDQUOT: ("the disk quota is used up", "free some space and run again"),
    errno.EACCES: ("permission denied", _FIX_ACCESS),
    errno.EPERM: ("operation not permitted", _FIX_ACCESS),
    errno.EROFS: ("the file system is read-only", "choose a folder on a writable disk"),
    errno.ENOTDIR: ("part of that path is a file, not a folder", "choose another path"),
    errno.EEXIST: ("a file with that name is in the way of a folder", "choose another path"),
    errno.EISDIR: ("that is a folder, not a file", "choose another path"),
    errno.ENAMETOOLONG: ("the name is too long", "choose a shorter path"),
    errno.ENOENT: ("no such file or folder", "check the path"),
    errno.EIO: ("the device reported an input/output error", "check the disk and run again"),
}


def explain_os_error(exc: OSError) -> tuple[str, int]:
    """One line saying what failed, why, and what to do, plus the exit code it deserves."""
    fallback = (exc.strerror or str(exc), "check it and run again")
    cause, action = _CAUSES.get(exc.errno or 0, fallback)
    path = f" {exc.filename}" if exc.filename else ""
    verb, kept = "cannot use", ""
    unchanged = getattr(exc, "unchanged", None)  # set by cxroi.io.atomic.OutputWriteError
    if unchanged is not None:
        verb, kept = "cannot write", f"; nothing in {unchanged} was changed"
    code = EXIT_BAD_INPUT if exc.errno in _BAD_PATH else EXIT_ENVIRONMENT
    return f"{verb}{path}: {cause}{kept}. {action[0].upper()}{action[1:]}.", code
