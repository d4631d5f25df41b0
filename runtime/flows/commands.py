"""The human actions on a task as commands: small frozen values holding what the person
asked for, each naming itself and saying its words in Chinese and English.

A command is what a posted form parses into and what the store applies to a case; the
registry (`runtime.flows.registry`) says how each is performed, when it is open and how it
is parsed. Part of the pure core: no I/O, neither flask nor sqlalchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from runtime.definitions.spec import Party
from runtime.flows.case import AFTER, ALONGSIDE, APPROVE, BEFORE

# Where an added signer signs: before the task (it waits), after it, or alongside it.
POSITIONS = (BEFORE, AFTER, ALONGSIDE)


@dataclass(frozen=True)
class Command:
    """One action on one task. `label` is the action's name on its button; `verb` is how it
    reads inside a sentence ("you cannot {verb} it")."""

    name: ClassVar[str]
    label: ClassVar[tuple[str, str]]
    verb: ClassVar[tuple[str, str]]


@dataclass(frozen=True)
class Claim(Command):
    """签收: take the task from the department's pool."""

    name = "claim"
    label, verb = ("签收", "Claim"), ("签收", "claim")


@dataclass(frozen=True)
class Complete(Command):
    """办理: finish the task with an outcome, an opinion and the handler form's data. The
    opinion is internal; `notice` is the reason written for the applicant (a reject's)."""

    name = "complete"
    label, verb = ("办理", "Complete"), ("办理", "complete")
    outcome: str = APPROVE
    opinion: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    notice: str | None = None


@dataclass(frozen=True)
class Return(Command):
    """退回: send the case back to an earlier step."""

    name = "return"
    label, verb = ("退回", "Return"), ("退回", "return")
    target: str
    reason: str | None = None


@dataclass(frozen=True)
class AskCorrection(Command):
    """要求补正: ask the applicant to correct named fields of the application, with a reason
    written for them; the step waits for the resubmission."""

    name = "ask_correction"
    label, verb = ("要求补正", "Ask for a correction"), ("要求补正", "ask for a correction of")
    fields: tuple[str, ...]
    notice: str | None = None


@dataclass(frozen=True)
class Transfer(Command):
    """转办: hand the task to another department's pool (or a person) for good."""

    name = "transfer"
    label, verb = ("转办", "Transfer"), ("转办", "transfer")
    to: Party
    reason: str | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class Delegate(Command):
    """委派: a colleague does the task and it comes back."""

    name = "delegate"
    label, verb = ("委派", "Delegate"), ("委派", "delegate")
    user_id: int
    note: str | None = None


@dataclass(frozen=True)
class AddSigner(Command):
    """加签: another person signs before, after or alongside this task."""

    name = "add_signer"
    label, verb = ("加签", "Add a signer"), ("加签", "add a signer to")
    user_id: int
    position: str
    note: str | None = None


@dataclass(frozen=True)
class Withdraw(Command):
    """撤回: take back a completed task while the steps it started have not acted."""

    name = "withdraw"
    label, verb = ("撤回", "Withdraw"), ("撤回", "withdraw")
    reason: str | None = None


@dataclass(frozen=True)
class Extend(Command):
    """延期申请: ask the department's lead for more working days."""

    name = "extend"
    label, verb = ("申请延期", "Request an extension"), ("申请延期", "request an extension for")
    days: int
    reason: str | None = None


@dataclass(frozen=True)
class DecideExtension(Command):
    """延期审批: approve or refuse an extension asked for."""

    name = "decide_extension"
    label = ("延期审批", "Decide the extension")
    verb = ("审批延期", "decide an extension of")
    approve: bool
    note: str | None = None


@dataclass(frozen=True)
class Suspend(Command):
    """挂起: stop the task's clock, with a reason."""

    name = "suspend"
    label, verb = ("挂起", "Suspend"), ("挂起", "suspend")
    reason: str | None = None


@dataclass(frozen=True)
class Resume(Command):
    """恢复: let the suspended task's clock run again."""

    name = "resume"
    label, verb = ("恢复", "Resume"), ("恢复", "resume")
    note: str | None = None


@dataclass(frozen=True)
class Remind(Command):
    """催办: hurry the task's holder."""

    name = "remind"
    label, verb = ("催办", "Remind"), ("催办", "remind")
    note: str | None = None


@dataclass(frozen=True)
class Supervise(Command):
    """督办: put the task under supervision."""

    name = "supervise"
    label, verb = ("督办", "Supervise"), ("督办", "supervise")
    note: str | None = None


@dataclass(frozen=True)
class Copy(Command):
    """抄送: show the case to a department's pool or a person, for information."""

    name = "copy"
    label, verb = ("抄送", "Copy"), ("抄送", "copy")
    to: Party | None = None
    user_id: int | None = None


# In the order the task page offers them.
COMMANDS: tuple[type[Command], ...] = (Claim, Complete, Return, AskCorrection, Transfer,
                                       Delegate, AddSigner, Withdraw, Extend, DecideExtension,
                                       Suspend, Resume,
                                       Remind, Supervise, Copy)
VERBS = {command.name: command.verb for command in COMMANDS}
