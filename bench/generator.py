"""The deterministic company: employees, reporting chains and plausible punches.

Pure Python, no database. The same seed and scale always give the same
employees (ids included) and the same punches, so every figure can be
reproduced. Punches are generated per employee-day from a seed derived from
(seed, employee, date), so any window of days can be generated on its own.

- Hierarchy: one CEO, directors (~1 per 600), senior managers (~1 per 130),
  team leads (~1 per 12); all of them are approvers. HR admins (~1 per 500,
  at least 2). A senior manager's whole chain is 50-200 people.
- Shifts: ~70% GENERAL, ~25% FLEXIBLE, ~5% NIGHT (crossing midnight, IST).
- Days: weekdays worked (~4% leave), a few Saturdays; breaks, one lunch.
- Anomalies (~3% of worked days): missing clock-out, a break without end,
  a double-tapped clock-in.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))

Event = tuple[uuid.UUID, str, dt.datetime]


@dataclass(frozen=True)
class Employee:
    index: int
    id: uuid.UUID
    email: str
    full_name: str
    manager_id: uuid.UUID | None
    role: str  # employee | approver | hr_admin
    shift_type: str  # GENERAL | FLEXIBLE | NIGHT
    attendance_number: str


@dataclass(frozen=True)
class Company:
    employees: list[Employee]
    approver: Employee  # a senior manager: the approver whose board is timed
    approver_chain: int  # people the approver sees (self and everyone below)
    hr_admin: Employee

    def by_role(self, role: str) -> list[Employee]:
        return [e for e in self.employees if e.role == role]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def build_company(size: int, seed: int) -> Company:
    """``size`` employees in a realistic hierarchy; managers come before their reports."""
    if size < 10:
        raise ValueError("the benchmark needs at least 10 employees")
    rng = random.Random(seed)
    n_dir = max(1, size // 600)
    n_senior = max(1, size // 130)
    n_lead = max(1, size // 12)
    n_hr = max(2, size // 500)
    plan: list[tuple[str, str]] = [("ceo", "approver")]
    plan += [("director", "approver")] * n_dir
    plan += [("senior", "approver")] * n_senior
    plan += [("lead", "approver")] * n_lead
    plan += [("hr", "hr_admin")] * n_hr
    plan += [("staff", "employee")] * (size - len(plan))
    if len(plan) != size:
        raise ValueError(f"{size} employees are too few for the hierarchy")

    ids: dict[str, list[uuid.UUID]] = {"ceo": [], "director": [], "senior": [], "lead": [], "hr": [], "staff": []}
    parent = {"director": "ceo", "senior": "director", "lead": "senior", "hr": "lead", "staff": "lead"}
    employees: list[Employee] = []
    for index, (level, role) in enumerate(plan):
        eid = _uuid(rng)
        manager = None
        if level != "ceo":
            bosses = ids[parent[level]]
            manager = bosses[len(ids[level]) % len(bosses)]
        ids[level].append(eid)
        draw = rng.random()
        shift = "NIGHT" if draw < 0.05 else "FLEXIBLE" if draw < 0.30 else "GENERAL"
        if level != "staff":
            shift = "GENERAL" if draw < 0.8 else "FLEXIBLE"
        employees.append(
            Employee(
                index=index,
                id=eid,
                email=f"{level}{index:06d}@bench.example.com",
                full_name=f"Bench {level.title()} {index:06d}",
                manager_id=manager,
                role=role,
                shift_type=shift,
                attendance_number=f"A-{index:06d}",
            )
        )

    reports: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    for e in employees:
        reports.setdefault(e.manager_id, []).append(e.id)

    def chain(eid: uuid.UUID) -> int:
        return 1 + sum(chain(r) for r in reports.get(eid, []))

    seniors = [e for e in employees if e.email.startswith("senior")]
    sizes = {e.id: chain(e.id) for e in seniors}
    approver = min(seniors, key=lambda e: (abs(sizes[e.id] - 125), e.index))
    hr_admin = next(e for e in employees if e.role == "hr_admin")
    return Company(employees=employees, approver=approver, approver_chain=sizes[approver.id], hr_admin=hr_admin)


def _at(day: dt.date, minutes: float) -> dt.datetime:
    """Minutes after IST midnight of ``day`` (may pass into the next day)."""
    return dt.datetime.combine(day, dt.time(), IST) + dt.timedelta(minutes=minutes)


def _works(rng: random.Random, day: dt.date) -> bool:
    weekday = day.weekday()
    if weekday < 5:
        return rng.random() >= 0.04
    return rng.random() < (0.05 if weekday == 5 else 0.01)


def employee_day(seed: int, employee: Employee, day: dt.date) -> list[Event]:
    """One employee's punches for one business date, in time order (may be none)."""
    rng = random.Random((seed * 1_000_003 + employee.index) * 1_000_033 + day.toordinal())
    if not _works(rng, day):
        return []
    if employee.shift_type == "GENERAL":
        start = 570 + rng.uniform(0, 60)  # 09:30-10:30
        end = 1140 + rng.uniform(0, 75)  # 19:00-20:15
        if rng.random() < 0.05:
            end = 1050 + rng.uniform(0, 89)  # early: 17:30-18:59
    elif employee.shift_type == "FLEXIBLE":
        start = 480 + rng.uniform(0, 240)  # 08:00-12:00
        end = start + rng.uniform(510, 570)
    else:
        start = 1260 + rng.uniform(0, 120)  # 21:00-23:00, out the next morning
        end = start + rng.uniform(510, 570)
    lunch_start = start + rng.uniform(200, 260)
    lunch_end = lunch_start + (rng.uniform(41, 55) if rng.random() < 0.08 else rng.uniform(20, 39))
    marks: list[tuple[float, str]] = [(start, "CLOCK_IN"), (lunch_start, "LUNCH_START"), (lunch_end, "LUNCH_END")]
    breaks = rng.choices((0, 1, 2), weights=(3, 5, 2))[0]
    windows = [(start + 60, lunch_start - 30), (lunch_end + 60, end - 40)]
    for low, high in windows[:breaks]:
        length = rng.uniform(5, 16)
        if high - low > length:
            at = rng.uniform(low, high - length)
            marks += [(at, "BREAK_START"), (at + length, "BREAK_END")]
    marks.append((end, "CLOCK_OUT"))
    marks.sort()

    anomaly = rng.random()
    if anomaly < 0.014:
        marks = marks[:-1]  # forgot to clock out
    elif anomaly < 0.024 and any(kind == "BREAK_END" for _, kind in marks):
        last_end = max(i for i, (_, kind) in enumerate(marks) if kind == "BREAK_END")
        del marks[last_end]  # a break that never ended
    elif anomaly < 0.030:
        marks.insert(1, (start + rng.uniform(0.5, 3), "CLOCK_IN"))  # double tap at the door
    return [(employee.id, kind, _at(day, minutes + rng.random() / 60)) for minutes, kind in marks]


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def window_events(seed: int, employees: Sequence[Employee], days: Sequence[dt.date]) -> Iterator[Event]:
    """Every punch of ``employees`` over ``days``, ordered by employee then time."""
    for employee in employees:
        for day in days:
            yield from employee_day(seed, employee, day)
