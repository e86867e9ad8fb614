"""Reading an import file as a stream: line by line, checked for UTF-8, into COPY.

Memory stays flat in the file size on this side: one line at a time goes to the
server. A byte that is not UTF-8 is reported with its line and column before the
server sees it (the server would only say "invalid byte sequence").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from worker.imports import queries


class ImportFileError(Exception):
    """A file that cannot be read: where and why."""

    def __init__(self, code: str, line: int, column: int, reason: str) -> None:
        super().__init__(f"{code}: line {line}, column {column}: {reason}")
        self.code, self.line, self.column, self.reason = code, line, column, reason


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    size: int  # bytes read, for progress


def read_lines(path: Path) -> Iterator[Line]:
    """The file's lines, decoded as UTF-8 (a leading BOM kept for the server to strip)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                column = len(raw[: exc.start].decode("utf-8", errors="replace")) + 1
                raise ImportFileError(
                    "IMPORT_BAD_ENCODING", number, column, "the file is not UTF-8 (save it as CSV UTF-8)"
                ) from exc
            if "\x00" in text:
                raise ImportFileError("IMPORT_MALFORMED", number, text.index("\x00") + 1, "a NUL byte")
            yield Line(number, text.rstrip("\n"), len(raw))


def copy_lines(conn: psycopg.Connection, path: Path, on_bytes: Callable[[int], None] | None = None) -> int:
    """COPY the file's lines into this transaction's temp table ``import_lines``; returns the line count."""
    conn.execute(queries.CREATE_LINES)
    count = 0
    with conn.cursor().copy(queries.COPY_LINES) as copy:
        for line in read_lines(path):
            copy.write_row([line.text])
            count = line.number
            if on_bytes:
                on_bytes(line.size)
    return count
