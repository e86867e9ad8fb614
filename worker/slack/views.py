"""Block Kit for the home tab and the modals: pure functions from API answers to views.

The buttons are exactly ``my_day.next_actions`` (what the API's state machine
accepts now); nothing here knows the state machine.
"""

from __future__ import annotations

import json
from typing import Any

Block = dict[str, Any]

ACTION_LABELS = {
    "CLOCK_IN": "Start Shift",
    "BREAK_START": "Break",
    "BREAK_END": "End Break",
    "LUNCH_START": "Lunch",
    "LUNCH_END": "End Lunch",
    "CLOCK_OUT": "End Shift",
}
STATUS_WORDS = {
    "OFF_DUTY": "Off duty",
    "ON_SHIFT": "On shift",
    "ON_BREAK": "On a break",
    "ON_LUNCH": "At lunch",
    "ON_LEAVE": "On leave",
}
ANOMALY_WORDS = {
    "MISSING_CLOCK_OUT": "the shift was never ended",
    "DUPLICATE_CLOCK_IN": "a second Start Shift while already on shift",
    "EVENT_WITHOUT_SHIFT": "a punch outside any shift",
    "UNCLOSED_BREAK": "a break was never ended",
    "LUNCH_MISMATCH": "lunch starts and ends do not match",
    "BREAK_END_WITHOUT_START": "a break ended that never started",
    "LUNCH_END_WITHOUT_START": "a lunch ended that never started",
}
PLAN_BLOCK = "plan_block"
PLAN_INPUT = "plan"
REASON_BLOCK = "reason_block"
REASON_INPUT = "reason"
START_SHIFT_CALLBACK = "start_shift"
REASON_CALLBACK = "reason"


def _text(markdown: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": markdown}}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": action_id}
    button["value"] = value
    if style:
        button["style"] = style
    return button


def punch_buttons(next_actions: list[str]) -> list[Block]:
    """One button per allowed next punch, in the API's order."""
    return [
        _button(ACTION_LABELS[a], f"punch:{a}", a, "primary" if a == "CLOCK_IN" else None)
        for a in next_actions
        if a in ACTION_LABELS
    ]


def day_blocks(day: dict[str, Any]) -> list[Block]:
    status = STATUS_WORDS.get(day.get("current_status", ""), day.get("current_status", ""))
    lines = [
        f"*Today ({day['business_date_ist']}):* {status}",
        f"Worked {day['worked_minutes']} min · break {day['break_minutes_used']} min"
        f" · lunch {day['lunch_minutes']} min",
    ]
    if day.get("is_locked"):
        lines.append(
            f":lock: Locked: {day.get('lock_reason_text') or day.get('lock_reason')}. Your approver can unlock it."
        )
    anomalies = day.get("anomalies") or []
    if anomalies:
        lines.append(":warning: " + "; ".join(ANOMALY_WORDS.get(a, a.lower().replace("_", " ")) for a in anomalies))
    if day.get("leave_portion"):
        lines.append(f":palm_tree: Approved leave: {day['leave_portion'].lower().replace('_', ' ')}")
    blocks = [_text("\n".join(lines))]
    buttons = punch_buttons(day.get("next_actions") or [])
    if buttons:
        blocks.append({"type": "actions", "block_id": "punches", "elements": buttons})
    return blocks


def home_view(
    name: str, day: dict[str, Any] | None, notice: str | None = None, manager: list[Block] | None = None
) -> dict[str, Any]:
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": f"Hi {name}"}}]
    if notice:
        blocks.append(_text(f":no_entry: {notice}"))
    if day is not None:
        blocks += day_blocks(day)
    if manager:
        blocks.append({"type": "divider"})
        blocks += manager
    return {"type": "home", "blocks": blocks}


def message_home(message: str) -> dict[str, Any]:
    """The whole home tab for someone the app cannot act for."""
    return {"type": "home", "blocks": [_text(message)]}


def start_shift_modal() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": START_SHIFT_CALLBACK,
        "title": {"type": "plain_text", "text": "Start Shift"},
        "submit": {"type": "plain_text", "text": "Start"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": PLAN_BLOCK,
                "label": {"type": "plain_text", "text": "Your plan for today"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": PLAN_INPUT,
                    "multiline": True,
                    "max_length": 2000,
                    "placeholder": {"type": "plain_text", "text": "e.g. Finish the invoice export and review PRs"},
                },
            }
        ],
    }


def reason_modal(title: str, prompt: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """A modal that asks for a reason; ``metadata`` says what the reason is for."""
    return {
        "type": "modal",
        "callback_id": REASON_CALLBACK,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": prompt},
                "element": {"type": "plain_text_input", "action_id": REASON_INPUT, "max_length": 1000},
            }
        ],
    }


def manager_blocks(
    board: list[dict[str, Any]],
    locked: list[dict[str, Any]],
    leave: list[dict[str, Any]],
) -> list[Block]:
    """Team board, locked days (Unlock), pending requests (Approve / Reject)."""
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": "Your team today"}}]
    if board:
        blocks.append(
            _text("\n".join(f"• {row['name']}: {STATUS_WORDS.get(row['status'], row['status'])}" for row in board))
        )
    else:
        blocks.append(_text("No one reports to you."))
    blocks.append(_text("*Locked days*" if locked else "*Locked days:* none"))
    for day in locked:
        blocks.append(
            {
                "type": "section",
                "block_id": f"locked:{day['employee_id']}:{day['business_date_ist']}",
                "text": {
                    "type": "mrkdwn",
                    "text": f"{day['name']} · {day['business_date_ist']} · {day['reason_text']}",
                },
                "accessory": _button("Unlock", "unlock", f"{day['employee_id']}|{day['business_date_ist']}"),
            }
        )
    blocks.append(_text("*Pending leave requests*" if leave else "*Pending leave requests:* none"))
    for request in leave:
        blocks.append(
            _text(
                f"{request['name']} · {request['policy_code']} · {request['start_date']} → {request['end_date']}"
                f" ({request['days']} days) · {request.get('reason') or ''}"
            )
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": f"leave:{request['id']}",
                "elements": [
                    _button("Approve", "leave_approve", str(request["id"]), "primary"),
                    _button("Reject", "leave_reject", str(request["id"]), "danger"),
                ],
            }
        )
    return blocks
