"""Reading an import file as a stream: line by line, checked for UTF-8, into COPY.

Memory stays flat in the file size on this side: one chunk at a time goes to the
server. A byte that is not UTF-8 is reported with its line and column before the
server sees it (the server would only say "invalid byte sequence").
"""

from __future__ import annotations

import codecs
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


CHUNK_BYTES = 1 << 16

# COPY's text format, one column: a backslash, a tab (the delimiter) and a
# carriage return inside a line are escaped; the newline ends the row. All
# three are ASCII, never part of a multi-byte UTF-8 sequence, so the bytes are
# escaped as they come, whatever the chunk boundaries.
_COPY_ESCAPES = ((b"\\", b"\\\\"), (b"\t", b"\\t"), (b"\r", b"\\r"))


def copy_lines(conn: psycopg.Connection, path: Path, on_bytes: Callable[[int], None] | None = None) -> int:
    """COPY the file's lines into this transaction's temp table ``import_lines``; returns the line count.

    The file goes to the server in chunks of 64 KiB (one row per line, as
    ``read_lines`` gives them): a Python call per line cost more than the
    server's COPY of the whole file. Each chunk is checked as it goes (UTF-8,
    incrementally across chunk boundaries; no NUL byte); on a bad byte the
    file is read again line by line, only to report the line and column.
    """
    conn.execute(queries.CREATE_LINES)
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    last = b"\n"
    with conn.cursor().copy(queries.COPY_LINES) as copy, path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                raise _located_error(path) from None
            if b"\x00" in chunk:
                raise _located_error(path)
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
            escaped = chunk
            for raw, escape in _COPY_ESCAPES:
                escaped = escaped.replace(raw, escape)
            copy.write(escaped)
            if on_bytes:
                on_bytes(len(chunk))
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise _located_error(path) from None
    return newlines + (0 if last == b"\n" else 1)


def _located_error(path: Path) -> ImportFileError:
    """The first bad line's error, from reading the file line by line."""
    for _ in read_lines(path):
        pass
    return ImportFileError("IMPORT_BAD_ENCODING", 1, 1, "the file is not UTF-8 (save it as CSV UTF-8)")
