"""Errors that end a command with one clear line and exit code 2.

Every problem a user can fix (a bad answer, an unknown key, an unusable
destination) is raised as a `UsageError`; the CLI prints its message on one
line and exits 2 without a traceback. Anything else is a bug and keeps its
traceback.
"""


class UsageError(Exception):
    """A problem with what the user asked for; reported as one line, exit 2."""

    exit_code = 2

    def __str__(self) -> str:
        # One line, always: free text in a message must not break the contract.
        return " ".join(super().__str__().split())
