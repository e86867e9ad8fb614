"""The migration runner: versioned files once each, then the repeatable definitions.

Why our own (about 150 lines) instead of yoyo-migrations: yoyo records a hash
of the migration *id*, not of its content, so it cannot refuse an edited,
already-applied migration, and its post-apply scripts live inside the
migrations folder rather than in ``sql/functions|triggers|policies``. What we
need is small: ordered files, a content checksum, a per-file transaction
opt-out, an advisory lock against concurrent runs, and the repeatable set.

- ``migrations/NNNN_name.sql`` runs in the run's transaction with its bookkeeping
  row; a first line ``-- hithonix:no-transaction`` runs it statement by
  statement in autocommit (for ``CREATE INDEX CONCURRENTLY``).
- ``migrations/NNNN_name.py`` defines ``apply(conn)`` (used to install the
  SQL that pgmq and procrastinate ship in their packages).
- The repeatable files are re-applied, in a fixed order, whenever their
  combined checksum changed or a migration was applied: in the same
  transaction as the pending migrations (``Migrator.migrate``).
  Schema ``api`` holds only views and functions, so it is rebuilt from them.
- The owner: from migration ``OWNED_FROM`` on, every migration and the
  repeatable SQL run under ``SET ROLE hithonix_owner`` (a NOLOGIN role that is
  not a superuser), so the application's objects belong to it. A file whose
  leading comment holds ``-- hithonix:as-superuser`` runs as the connecting
  user instead (roles and role settings are cluster objects). Earlier
  migrations were written for a superuser session and keep running as one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from worker.config import ROOT, jwt_secret

MIGRATIONS_DIR = ROOT / "migrations"
SCHEMA_DIR = ROOT / "sql" / "schema"
REPEATABLE_DIRS = [ROOT / "sql" / d for d in ("functions", "triggers", "policies", "api")]
NO_TRANSACTION = "-- hithonix:no-transaction"
AS_SUPERUSER = "-- hithonix:as-superuser"
OWNER_ROLE = "hithonix_owner"
OWNED_FROM = "0016"  # the migration that hands everything to OWNER_ROLE
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(sql|py)$")
_LOCK_KEY = 7_402_113_001
_ADD_VALUE = re.compile(r"^\s*alter\s+type\s+\S+\s+add\s+value\b", re.IGNORECASE | re.MULTILINE)

BOOKKEEPING = """
create schema if not exists migrations;
comment on schema migrations is 'Bookkeeping of the migration runner (worker/db/migrate.py).';
create table if not exists migrations.applied (
    version text primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now(),
    applied_by text not null default current_user,
    duration_ms integer not null
);
create table if not exists migrations.repeatable (
    singleton boolean primary key default true check (singleton),
    checksum text not null,
    applied_at timestamptz not null default now()
);
"""


class MigrationError(RuntimeError):
    """The migrations on disk and in the database disagree, or one failed."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    @property
    def transactional(self) -> bool:
        return NO_TRANSACTION not in markers(self.path)

    @property
    def adds_enum_value(self) -> bool:
        return self.path.suffix == ".sql" and _ADD_VALUE.search(self.path.read_text()) is not None

    @property
    def as_owner(self) -> bool:
        return self.version >= OWNED_FROM and AS_SUPERUSER not in markers(self.path)


@dataclass(frozen=True)
class StatusRow:
    version: str
    name: str
    state: str  # applied | pending | edited | missing-file
    applied_at: str | None


def markers(path: Path) -> set[str]:
    """The ``-- hithonix:…`` lines at the top of a SQL file."""
    if path.suffix != ".sql":
        return set()
    found = set()
    for line in path.read_text().lstrip().splitlines():
        if not line.startswith("-- hithonix:"):
            break
        found.add(line.strip())
    return found


@contextmanager
def acting_as(conn: psycopg.Connection, owner: bool) -> Iterator[None]:
    """Run the block as OWNER_ROLE (session-level SET ROLE), or as the connecting user."""
    if owner:
        conn.execute(f"set role {OWNER_ROLE}")
    try:
        yield
    finally:
        if owner:
            conn.execute("reset role")


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.iterdir()):
        match = _NAME.match(path.name)
        if match:
            found.append(Migration(match.group(1), match.group(2), path))
        elif path.suffix in (".sql", ".py"):
            raise MigrationError(f"{path.name}: migration files are named NNNN_snake_name.sql|py")
    versions = [migration.version for migration in found]
    if len(versions) != len(set(versions)):
        raise MigrationError("two migration files share a version number")
    return found


def repeatable_files() -> list[Path]:
    return [p for d in REPEATABLE_DIRS for p in sorted(d.glob("*.sql"))]


def repeatable_checksum() -> str:
    digest = hashlib.sha256()
    for p in repeatable_files():
        digest.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    return digest.hexdigest()


def split_statements(sql: str) -> list[str]:
    """Split a no-transaction migration on ``;`` at line ends (no DO blocks there)."""
    parts = re.split(r";\s*$", sql, flags=re.MULTILINE)
    body = [re.sub(r"^\s*--.*$", "", p, flags=re.MULTILINE).strip() for p in parts]
    return [b for b in body if b]


def run_python_migration(conn: psycopg.Connection, path: Path) -> None:
    spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.apply(conn)


def apply_repeatables(conn: psycopg.Connection, as_owner: bool = True) -> None:
    """Rebuild schema ``api`` and re-run every repeatable file, in one transaction, as the owner."""
    owner = f"set local role {OWNER_ROLE}" if as_owner else "reset role"
    try:
        with conn.transaction():
            conn.execute(owner)
            conn.execute("drop schema if exists api cascade")
            conn.execute("create schema api")
            for path in repeatable_files():
                conn.execute("reset role" if AS_SUPERUSER in markers(path) else owner)
                try:
                    conn.execute(path.read_text())
                except psycopg.Error as exc:
                    raise MigrationError(f"{path.relative_to(ROOT)}: {exc}") from exc
            conn.execute(owner)
            conn.execute(
                "insert into migrations.repeatable (checksum) values (%s) on conflict (singleton)"
                " do update set checksum = excluded.checksum, applied_at = now()",
                [repeatable_checksum()],
            )
    finally:
        conn.execute("reset role")


def store_jwt_secret(conn: psycopg.Connection) -> None:
    """Give the database PostgREST's secret (PGRST_JWT_SECRET), so that ``app.kiosk_login`` can sign
    tokens: kept in the owner-only ``app.jwt_signing_key``, rewritten only when it changed."""
    exists = conn.execute("select to_regprocedure('app.set_jwt_secret(text)') is not null").fetchone()
    if exists and exists[0]:
        with acting_as(conn, owner=True):
            conn.execute("select app.set_jwt_secret(%s)", [jwt_secret()])


class Migrator:
    def __init__(self, url: str, migrations_dir: Path = MIGRATIONS_DIR) -> None:
        self.url = url
        self.migrations_dir = migrations_dir

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def _applied(self, conn: psycopg.Connection) -> dict[str, tuple[str, str]]:
        conn.execute(BOOKKEEPING)
        rows = conn.execute("select version, checksum, applied_at::text from migrations.applied").fetchall()
        return {v: (c, at) for v, c, at in rows}

    def status(self) -> list[StatusRow]:
        with self._connect() as conn:
            applied = self._applied(conn)
        rows = []
        on_disk = {migration.version: migration for migration in discover(self.migrations_dir)}
        for migration in on_disk.values():
            if migration.version not in applied:
                rows.append(StatusRow(migration.version, migration.name, "pending", None))
            else:
                checksum, at = applied[migration.version]
                state = "applied" if checksum == migration.checksum else "edited"
                rows.append(StatusRow(migration.version, migration.name, state, at))
        for version in sorted(set(applied) - set(on_disk)):
            rows.append(StatusRow(version, "?", "missing-file", applied[version][1]))
        return sorted(rows, key=lambda row: row.version)

    def check(self, applied: dict[str, tuple[str, str]], migrations: list[Migration]) -> None:
        on_disk = {migration.version: migration for migration in migrations}
        for version, (checksum, _) in sorted(applied.items()):
            migration = on_disk.get(version)
            if migration is None:
                raise MigrationError(f"migration {version} is recorded as applied but its file is gone")
            if migration.checksum != checksum:
                raise MigrationError(
                    f"migration {migration.path.name} was edited after it was applied "
                    f"(recorded sha256 {checksum[:12]}, file now {migration.checksum[:12]}). "
                    "Applied migrations are never edited: restore the file and add a new migration."
                )
        newest = max(applied, default="")
        late = [
            migration.path.name
            for migration in migrations
            if migration.version not in applied and migration.version < newest
        ]
        if late:
            raise MigrationError(f"{', '.join(late)} sort before the newest applied migration {newest}")

    def migrate(self) -> tuple[list[str], bool]:
        """Apply what is pending. Returns (applied file names, repeatables re-applied?).

        The pending migrations and the repeatable SQL commit together: one
        transaction holds every pending transactional migration and then the
        repeatables, so no other session ever sees a migration's change without
        the definitions that go with it (0165 dropped the ledger's foreign key
        that the triggers of ``sql/triggers/105_ledger_employee_ref.sql`` stand
        in for), and a failure anywhere leaves the database as it was. Only a
        migration that cannot share a transaction splits the run (see ``batches``);
        the batches before such a cut commit without the repeatables (which may
        need a later migration), so a migration that drops a guard the repeatables
        replace belongs after the run's last cut (README, Migrations).
        """
        done: list[str] = []
        with self._connect() as conn:
            conn.execute("select pg_advisory_lock(%s)", [_LOCK_KEY])
            try:
                applied = self._applied(conn)
                migrations = discover(self.migrations_dir)
                self.check(applied, migrations)
                pending = [migration for migration in migrations if migration.version not in applied]
                stored = conn.execute("select checksum from migrations.repeatable").fetchone()
                refresh = bool(pending) or stored is None or stored[0] != repeatable_checksum()
                groups = batches(pending)
                shared = repeatables_join_last(groups)
                for index, group in enumerate(groups):
                    if not group[0].transactional:
                        self._apply_one(conn, group[0])
                    else:
                        with conn.transaction():
                            for migration in group:
                                self._apply_one(conn, migration)
                            if shared and index == len(groups) - 1:
                                self._refresh(conn)
                    done.extend(migration.path.name for migration in group)
                if refresh and not shared:
                    self._refresh(conn)
                store_jwt_secret(conn)
                conn.execute("notify pgrst, 'reload schema'")
            finally:
                conn.execute("select pg_advisory_unlock(%s)", [_LOCK_KEY])
        return done, refresh

    def _refresh(self, conn: psycopg.Connection) -> None:
        owned = conn.execute("select 1 from migrations.applied where version = %s", [OWNED_FROM])
        apply_repeatables(conn, as_owner=owned.fetchone() is not None)

    def _apply_one(self, conn: psycopg.Connection, migration: Migration) -> None:
        """One migration and its bookkeeping row: in the caller's transaction, or statement by
        statement in autocommit for a ``no-transaction`` file."""
        started = time.monotonic()
        record = "insert into migrations.applied (version, name, checksum, duration_ms) values (%s, %s, %s, %s)"
        try:
            with acting_as(conn, migration.as_owner):
                if migration.transactional:
                    with conn.transaction():
                        if migration.path.suffix == ".py":
                            run_python_migration(conn, migration.path)
                        else:
                            conn.execute(migration.path.read_text())
                else:
                    for statement in split_statements(migration.path.read_text()):
                        conn.execute(statement)
                duration_ms = int((time.monotonic() - started) * 1000)
                conn.execute(record, [migration.version, migration.name, migration.checksum, duration_ms])
        except psycopg.Error as exc:
            raise MigrationError(
                f"{migration.path.name} failed (rolled back with the rest of its batch): {exc}"
            ) from exc


def batches(pending: list[Migration]) -> list[list[Migration]]:
    """The pending migrations cut where a run must commit: a ``no-transaction`` file runs alone
    (autocommit), and a file that adds an enum value ends its batch (PostgreSQL lets no one use
    the value, the rest of the batch included, before that commit). The last batch, when
    transactional, commits together with the repeatable SQL."""
    groups: list[list[Migration]] = []
    current: list[Migration] = []
    for migration in pending:
        if not migration.transactional:
            if current:
                groups.append(current)
                current = []
            groups.append([migration])
            continue
        current.append(migration)
        if migration.adds_enum_value:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def repeatables_join_last(groups: list[list[Migration]]) -> bool:
    """Do the repeatables commit with the last batch? Not when that batch cannot hold them: a
    ``no-transaction`` file, or one that adds an enum value (a function or view of the
    repeatable SQL naming the value could not be created before that commit)."""
    return bool(groups) and groups[-1][0].transactional and not groups[-1][-1].adds_enum_value


def build_declared_schema(url: str, schema_dir: Path = SCHEMA_DIR) -> None:
    """Build a database from ``sql/schema`` + the repeatable files (the drift test's other side).

    Files marked ``-- hithonix:as-superuser`` (the roles) run as the connecting
    user, everything else as the owner, as the migrations do."""
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute(BOOKKEEPING)
            for path in sorted([*schema_dir.glob("*.sql"), *schema_dir.glob("*.py")]):
                owner = AS_SUPERUSER not in markers(path)
                conn.execute(f"set local role {OWNER_ROLE}" if owner else "reset role")
                try:
                    if path.suffix == ".py":
                        run_python_migration(conn, path)
                    else:
                        conn.execute(path.read_text())
                except psycopg.Error as exc:
                    raise MigrationError(f"{path.name}: {exc}") from exc
            conn.execute("reset role")
            for bookkeeping in ("schema migrations", "table migrations.applied", "table migrations.repeatable"):
                conn.execute(f"alter {bookkeeping} owner to {OWNER_ROLE}")
        apply_repeatables(conn)
