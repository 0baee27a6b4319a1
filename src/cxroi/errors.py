"""Errors that mean "the input is wrong" (exit code 2), as opposed to bugs.

Each carries every problem found, not just the first, so a user fixes a file once.
"""

from __future__ import annotations

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
