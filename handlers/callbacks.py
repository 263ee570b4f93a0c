"""Callback data of every inline button. Each fits Telegram's 64 bytes by construction:
codes are short and no user text ever travels in callback data.

Callback data comes from the client and can be forged, or pressed long after it was sent:
every id in it (pair, proposal, report, broadcast) is checked by the use case the handler
calls, which raises ``mentoring.errors.Stale`` unless the object is the presser's (or the
presser is staff) and still current; ``handlers.ownership`` gives the one answer to that."""

from aiogram.filters.callback_data import CallbackData


class RoleChoice(CallbackData, prefix="role"):
    role: str


class ConsentAnswer(CallbackData, prefix="consent"):
    answer: str  # yes | no | read


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


class Answer(CallbackData, prefix="ans"):
    """A press on a sign-up question: ``step`` lets an outdated button be recognised."""

    step: str
    action: str  # pick | toggle | done | family | families
    value: str = ""


class SummaryAction(CallbackData, prefix="sum"):
    mode: str  # signup | profile
    action: str  # confirm | edit | field | back
    step: str = ""


class EraseAnswer(CallbackData, prefix="erase"):
    answer: str  # yes | no


class ProposalAnswer(CallbackData, prefix="prop"):
    """A volunteer's answer to a proposal still open and addressed to them."""

    id: int
    action: str  # accept | decline | not_now | reason
    value: str = ""


class PauseChoice(CallbackData, prefix="pause"):
    length: str  # 2w | 1m | date


class EndAnswer(CallbackData, prefix="end"):
    pair: int
    answer: str  # yes | no


class Rating(CallbackData, prefix="rate"):
    pair: int
    value: int


class NewMatch(CallbackData, prefix="again"):
    answer: str  # yes | no (after an end) | keep | switch (after a silence, for ``pair``)
    pair: int = 0


class CloseReport(CallbackData, prefix="close"):
    report: int


class AttachMessages(CallbackData, prefix="attach"):
    report: int


class CheckInAnswer(CallbackData, prefix="ci"):
    pair: int
    answer: str  # yes | not_yet | not_met (after relayed messages) | problem


class RhythmChoice(CallbackData, prefix="rhythm"):
    rhythm: str


class ContinueAnswer(CallbackData, prefix="cont"):
    pair: int
    answer: str  # yes | no


class AvailabilityReply(CallbackData, prefix="avail"):
    answer: str  # yes | month | capacity | set
    value: int = 0


class RiskAction(CallbackData, prefix="risk"):
    pair: int
    action: str  # end | rematch


class BroadcastPick(CallbackData, prefix="bc"):
    """A press while composing a broadcast; what is being composed lives in the staff
    member's own conversation state, never in the button."""

    action: str
    value: str = ""


class BroadcastCancel(CallbackData, prefix="bcx"):
    id: int


class ShareContact(CallbackData, prefix="share"):
    """Offer one's own Telegram contact to the partner of ``pair``."""

    pair: int


class ContactAnswer(CallbackData, prefix="contact"):
    id: int
    answer: str  # yes | no


class RelayTo(CallbackData, prefix="rto"):
    """A volunteer choosing which student their messages go to; the pair is checked."""

    pair: int


class MeetPlan(CallbackData, prefix="mp"):
    """A press while putting the slots of a meeting together; the draft lives in the
    member's conversation state, and its pair is checked when the proposal is sent."""

    action: str  # pair | day | time | days | done | kind
    value: str = ""


class MeetAnswer(CallbackData, prefix="mt"):
    """A press on a meeting: the use case checks it is the presser's and still current."""

    id: int
    action: str  # pick | other | move | cancel
    value: int = 0
    seq: int = 0
    """The meeting's SEQUENCE when the slots were shown: a slot button of slots since moved
    picks nothing."""


class LogAnswer(CallbackData, prefix="log"):
    """A press on a session-log question of the member's own entry ``id``."""

    id: int
    action: str  # happened | topic | done | skip | rate
    value: str = ""


class OutcomeReason(CallbackData, prefix="ocr"):
    """Why the pair ended, asked at ``source`` (end, feedback or staff)."""

    pair: int
    source: str
    reason: str


class OutcomePick(CallbackData, prefix="ocp"):
    """A press in the student's "what changed" multi-select of their outcome ``id``."""

    id: int
    action: str  # toggle | done
    value: int = 0


class CharterAccept(CallbackData, prefix="charter"):
    version: str


class VettingAction(CallbackData, prefix="vet"):
    """Staff's decision on a volunteer: approve | ask | refuse | check."""

    volunteer: int
    action: str
