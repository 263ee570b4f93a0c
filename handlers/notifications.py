"""How each message the bot sends on its own reads, in the recipient's language.

The outbox stores a kind and its parameters; this module turns them into text and buttons
when the message is sent, so it is written in the language the user has at that moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_datetime

from handlers import texts
from handlers.callbacks import ProposalAnswer
from handlers.markup import Markup, bold, lines, t, tn
from handlers.vetting_notices import VETTING_KINDS, render_vetting
from mentoring import catalog, places
from mentoring.contacts import ContactOffer, Contacts, OfferStatus
from mentoring.form import AVAILABILITY, LEVEL, NEEDS
from mentoring.model import StudentProfile, VolunteerProfile
from mentoring.signup import Signup


class Notifications:
    def __init__(self, signup: Signup, i18n: I18n, timezone: str,
                 contacts: Contacts | None = None) -> None:
        self._signup = signup
        self._contacts = contacts
        self._i18n = i18n
        self._zone = ZoneInfo(timezone)

    async def render(self, kind: str, params: dict[str, Any], recipient: int,
                     language: str) -> tuple[Markup, InlineKeyboardMarkup | None] | None:
        """The message of ``kind`` for ``recipient``, or None if it no longer applies."""
        with self._i18n.context(), self._i18n.use_locale(language):
            if kind in VETTING_KINDS:
                return await render_vetting(kind, params, self._signup, language)
            renderer = getattr(self, f"_{kind}", None)
            if renderer is None:
                raise LookupError(f"no renderer for outbox kind {kind!r}")
            result: tuple[Markup, InlineKeyboardMarkup | None] | None = await renderer(
                params, recipient, language)
            return result

    async def without_buttons(self, kind: str, params: dict[str, Any], recipient: int,
                              language: str) -> Markup | None:
        """The line added when Telegram refuses a button of this message and it goes again
        without it: an introduction names the relay, a contact says it cannot be shown."""
        with self._i18n.context(), self._i18n.use_locale(language):
            if kind == "intro_student":
                name = await self._first_name(params["volunteer_id"])
            elif kind == "intro_volunteer":
                name = await self._first_name(params["student_id"])
            elif kind == "contact_revealed" and self._contacts is not None:
                offer = await self._contacts.shown_to(params["offer_id"], recipient,
                                                      OfferStatus.ACCEPTED)
                if offer is None:
                    return None
                return t("Telegram does not let me show the contact of {name}: their privacy "
                         "settings forbid it. No worries, keep writing here: I still pass "
                         "your messages on.").format(
                             name=await self._first_name(offer.offered_by))
            else:
                return None
            return relay_line(name)

    async def _first_name(self, user_id: int) -> str:
        profile = await self._signup.profile(user_id)
        return profile.first_name if profile else ""

    async def _proposal(self, params: dict[str, Any], _recipient: int,
                        language: str) -> tuple[Markup, InlineKeyboardMarkup | None] | None:
        student = await self._signup.profile(params["student_id"])
        if not isinstance(student, StudentProfile):
            return None
        lines = [
            t("📬 A student would like you as a mentor:"), "",
            student_card(student), "",
            t("<b>Why you</b>: {reasons}.").format(reasons=reasons_text(params["reasons"])),
            "",
            t("Please answer before {deadline}.").format(
                deadline=self._when(params["deadline"], language)),
        ]
        kb = InlineKeyboardBuilder()
        proposal_id = params["proposal_id"]
        kb.button(text=_("✅ Accept"), callback_data=ProposalAnswer(id=proposal_id,
                                                                    action="accept"))
        kb.button(text=_("❌ Decline"), callback_data=ProposalAnswer(id=proposal_id,
                                                                    action="decline"))
        kb.button(text=_("⏸ Not available now"),
                  callback_data=ProposalAnswer(id=proposal_id, action="not_now"))
        kb.adjust(2, 1)
        return Markup("\n").join(lines), kb.as_markup()

    async def _proposal_reminder(self, params: dict[str, Any], _recipient: int,
                                 language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        text = t("⏰ A student is still waiting for your answer: the proposal above closes "
                 "on {deadline}.").format(deadline=self._when(params["deadline"], language))
        return text, None

    async def _proposal_expired(self, _params: dict[str, Any], _recipient: int,
                                _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        return t("The proposal closed without an answer, so we are asking another volunteer. "
                 "No worries: you will get other proposals."), None

    async def _student_waiting(self, _params: dict[str, Any], _recipient: int,
                               _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        return waiting_text(), None

    async def _intro_student(self, params: dict[str, Any], recipient: int,
                             _language: str) -> tuple[Markup, InlineKeyboardMarkup | None] | None:
        volunteer = await self._signup.profile(params["volunteer_id"])
        student = await self._signup.profile(recipient)
        if not isinstance(volunteer, VolunteerProfile) or not isinstance(student,
                                                                         StudentProfile):
            return None
        lines = [
            t("🎉 Good news: {name} will be your mentor!").format(
                name=volunteer.first_name), "",
            volunteer_card(volunteer), "",
            t("<b>Why {name}</b>: {reasons}.").format(name=volunteer.first_name,
                                                     reasons=reasons_text(params["reasons"])),
            "", first_exchange(student),
            "", relay_line(volunteer.first_name),
            t("Write the first message: a simple hello and when you are free is enough."),
            "", RHYTHM_QUESTION(),
        ]
        return Markup("\n").join(lines), with_rhythm(share_contact_button(params["pair_id"]))

    async def _intro_volunteer(self, params: dict[str, Any], _recipient: int,
                               _language: str) -> tuple[Markup, InlineKeyboardMarkup | None] | None:
        student = await self._signup.profile(params["student_id"])
        if not isinstance(student, StudentProfile):
            return None
        lines = [
            t("🤝 Thank you! You are now the mentor of {name}.").format(
                name=student.first_name), "",
            student_card(student), "",
            first_exchange(student), "",
            relay_line(student.first_name),
            t("{name} will write to you; you can also write first.").format(
                name=student.first_name),
            "", RHYTHM_QUESTION(),
        ]
        return Markup("\n").join(lines), with_rhythm(share_contact_button(params["pair_id"]))

    async def _offer(self, params: dict[str, Any], recipient: int,
                     status: OfferStatus) -> tuple[ContactOffer, str] | None:
        if self._contacts is None:
            return None
        offer = await self._contacts.shown_to(params["offer_id"], recipient, status)
        if offer is None:
            return None
        other = offer.offered_by if recipient == offer.offered_to else offer.offered_to
        return offer, await self._first_name(other)

    async def _contact_offer(self, params: dict[str, Any], recipient: int,
                             _language: str) -> tuple[Markup, InlineKeyboardMarkup | None] | None:
        from handlers.contacts import offer_keyboard

        found = await self._offer(params, recipient, OfferStatus.PENDING)
        if found is None or found[0].offered_to != recipient:
            return None
        offer, name = found
        return (t("🤝 {name} would like to share their Telegram contact with you. Do you want "
                  "it? Either way, you can keep writing here.").format(name=name),
                offer_keyboard(offer.id))

    async def _contact_revealed(self, params: dict[str, Any], recipient: int, _language: str,
                                ) -> tuple[Markup, InlineKeyboardMarkup | None] | None:
        found = await self._offer(params, recipient, OfferStatus.ACCEPTED)
        if found is None or found[0].offered_to != recipient:
            return None
        offer, name = found
        # Shown only to the partner who was offered it and accepted it.
        contact = await self._signup.user(offer.offered_by)
        if contact is None:
            return None
        if contact.username:
            return t("Here is the Telegram contact of {name}: {username}").format(
                name=name, username=Markup("@{}").format(contact.username)), None
        kb = InlineKeyboardBuilder()
        kb.button(text=_("Open the profile of {name}").format(name=name),
                  url=f"tg://user?id={contact.id}")
        return (t("Here is the Telegram contact of {name}: tap below to open their profile."
                  ).format(name=name), kb.as_markup())

    async def _contact_accepted(self, params: dict[str, Any], recipient: int, _language: str,
                                ) -> tuple[Markup, InlineKeyboardMarkup | None] | None:
        found = await self._offer(params, recipient, OfferStatus.ACCEPTED)
        if found is None or found[0].offered_by != recipient:
            return None
        return t("{name} said yes: they now have your Telegram contact.").format(
            name=found[1]), None

    async def _intro_refused_staff(self, params: dict[str, Any], _recipient: int,
                                   _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        return t("⚠️ The introduction of pair {pair} (student {student}, volunteer "
                 "{volunteer}) could not be delivered. Telegram said: {error}. Please reach "
                 "them another way.").format(
                     pair=params["pair_id"], student=params["student_id"],
                     volunteer=params["volunteer_id"], error=params["error"]), None

    async def _pair_left(self, _params: dict[str, Any], _recipient: int,
                         _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        return t("Your binôme has left the programme. We are sorry: if you are a student, we "
                 "are already looking for a new mentor for you."), None

    async def _pair_ended(self, _params: dict[str, Any], recipient: int,
                          _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        from handlers.pair_care import new_match_keyboard

        profile = await self._signup.profile(recipient)
        if isinstance(profile, StudentProfile):
            return (t("Your mentor has ended your binôme. Thank you both for the time spent "
                      "together! Would you like a new mentor?"), new_match_keyboard())
        return t("Your student has ended your binôme. Thank you for your help! We will "
                 "propose you another student when one fits."), None

    async def _pair_ended_by_staff(self, _params: dict[str, Any], recipient: int,
                                   _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        from handlers.pair_care import new_match_keyboard

        profile = await self._signup.profile(recipient)
        if isinstance(profile, StudentProfile):
            return (t("The programme team has ended your binôme. Would you like a new "
                      "mentor?"), new_match_keyboard())
        return t("The programme team has ended your binôme. Thank you for your help!"), None

    async def _staff_report(self, params: dict[str, Any], _recipient: int,
                            _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        text = t("⚠️ New report #{id} from user {user} (pair {pair}):").format(
            id=params["report_id"], user=params["reporter_id"], pair=params["pair_id"] or "-")
        return Markup("{}\n{}\n\n{}").format(
            text, params["text"], t("Send /reports to see and close the open reports.")), None

    async def _other_name(self, params: dict[str, Any], recipient: int) -> str | None:
        other_id = (params["volunteer_id"] if recipient == params["student_id"]
                    else params["student_id"])
        other = await self._signup.profile(other_id)
        return other.first_name if other else None

    async def _idea(self, params: dict[str, Any]) -> str:
        student = await self._signup.profile(params["student_id"])
        ideas = ideas_for(student) if isinstance(student, StudentProfile) else []
        return (ideas[params.get("pair_id", 0) % len(ideas)] if ideas
                else _("agree on how often you will talk"))

    async def _check_in(self, text: Markup, params: dict[str, Any], recipient: int,
                        ) -> tuple[Markup, InlineKeyboardMarkup | None] | None:
        from handlers.keeping import check_in_keyboard

        name = await self._other_name(params, recipient)
        if name is None:
            return None
        return text.format(name=name, idea=await self._idea(params)), check_in_keyboard(
            params["pair_id"])

    async def _checkin_first_exchange(self, params: dict[str, Any], recipient: int,
                                      language: str) -> Any:
        if params.get("relayed"):
            return await self._relayed_check_in(params, recipient, language)
        return await self._check_in(t("👋 Hello! Did you and {name} manage to have your first "
                                      "exchange?"), params, recipient)

    async def _checkin_first_exchange_again(self, params: dict[str, Any], recipient: int,
                                            language: str) -> Any:
        if params.get("relayed"):
            return await self._relayed_check_in(params, recipient, language)
        return await self._check_in(t("Still no first exchange with {name}? An idea to "
                                      "start: {idea}. Did you manage to talk?"),
                                    params, recipient)

    def _since(self, params: dict[str, Any], language: str) -> str:
        return format_datetime(datetime.fromisoformat(params["since"]).astimezone(self._zone),
                               "d MMMM", locale=language)

    async def _checkin_check_in(self, params: dict[str, Any], recipient: int,
                                language: str) -> Any:
        if params.get("relayed"):
            return await self._relayed_check_in(params, recipient, language)
        return await self._check_in(t("Did you talk with {name} since {since}?").replace(
            "{since}", self._since(params, language)), params, recipient)

    async def _relayed_check_in(self, params: dict[str, Any], recipient: int,
                                language: str) -> Any:
        # The bot saw the messages; it only asks what it cannot know.
        from handlers.keeping import met_keyboard

        relayed, since = int(params["relayed"]), self._since(params, language)
        name = await self._other_name(params, recipient)
        if name is None:
            return None
        seen = tn("You and {name} wrote to each other {count} time since {since}.",
                  "You and {name} wrote to each other {count} times since {since}.", relayed)
        text = seen.format(name=name, count=relayed, since=since)
        return lines(text, t("Did you also meet or call?")), met_keyboard(
            params["pair_id"])

    async def _checkin_nudge(self, params: dict[str, Any], recipient: int,
                             _language: str) -> Any:
        return await self._check_in(t("It has been a while since your last exchange with "
                                      "{name}. A short message is enough to restart: why not "
                                      "suggest a time this week? Did you talk?"),
                                    params, recipient)

    async def _checkin_second_nudge(self, params: dict[str, Any], recipient: int,
                                    _language: str) -> Any:
        return await self._check_in(t("Still quiet with {name}? An idea to restart: {idea}. "
                                      "Did you talk?"), params, recipient)

    async def _checkin_programme_end(self, params: dict[str, Any], recipient: int,
                                     _language: str) -> Any:
        from handlers.pair_care import rating_keyboard

        name = await self._other_name(params, recipient)
        if name is None:
            return None
        kb = InlineKeyboardBuilder.from_markup(rating_keyboard(params["pair_id"]))
        kb.row(*continue_buttons(params["pair_id"]))
        return (t("🎓 Your six months of binôme with {name} are over: thank you! How was it, "
                  "from 1 to 5 stars? And do you want to keep going together?").format(
                      name=name), kb.as_markup())

    async def _silence_staff(self, params: dict[str, Any], _recipient: int,
                             _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        return t("🔕 Pair {pair} has been silent for {periods} check-ins in a row: student "
                 "{student}, volunteer {volunteer}. Both have been asked what they want to do."
                 ).format(pair=params["pair_id"], periods=params["silent_periods"],
                          student=params["student_id"], volunteer=params["volunteer_id"]), None

    async def _silence_student(self, params: dict[str, Any], recipient: int,
                               _language: str) -> Any:
        from handlers.callbacks import NewMatch

        name = await self._other_name(params, recipient)
        if name is None:
            return None
        kb = InlineKeyboardBuilder()
        kb.button(text=_("Keep going"),
                  callback_data=NewMatch(answer="keep", pair=params["pair_id"]))
        kb.button(text=_("Change mentor"),
                  callback_data=NewMatch(answer="switch", pair=params["pair_id"]))
        return (t("We haven't heard from you and {name} for a while. Do you want to keep "
                  "going, or would you like a new mentor?").format(name=name), kb.as_markup())

    async def _silence_volunteer(self, params: dict[str, Any], recipient: int,
                                 _language: str) -> Any:
        name = await self._other_name(params, recipient)
        if name is None:
            return None
        kb = InlineKeyboardBuilder()
        kb.row(*continue_buttons(params["pair_id"]))
        return (t("We haven't heard about your exchanges with {name} for a while. Do you want "
                  "to go on mentoring them?").format(name=name), kb.as_markup())

    async def _sessionlog_question(self, params: dict[str, Any], recipient: int,
                                   language: str) -> Any:
        from handlers.sessionlog import happened_keyboard

        name = await self._other_name(params, recipient)
        if name is None:
            return None
        if params.get("meeting_id") is None:
            text = t("📝 You told us you talked with {name}: great! Two taps to keep track. "
                     "Did your exchange really take place?").format(name=name)
        else:
            text = t("📝 Your meeting with {name} was planned for {when}. Did it take place?"
                     ).format(name=name, when=self._when(params["held_on"], language))
        return text, happened_keyboard(params["log_id"])

    async def _outcome_question(self, params: dict[str, Any], recipient: int,
                                _language: str) -> Any:
        from handlers.sessionlog import reason_keyboard

        name = await self._other_name(params, recipient)
        if name is None:
            return None
        text = {
            "end": t("One last tap about your binôme with {name}: why did it end?"),
            "staff": t("The programme team ended your binôme with {name}. One tap to tell "
                       "us, from your side, why it ended:"),
            "feedback": t("Six months with {name}: if your binôme ended now, what would be "
                          "the main reason?"),
        }[params["source"]]
        return text.format(name=name), reason_keyboard(params["pair_id"], params["source"])

    async def _missed_staff(self, params: dict[str, Any], _recipient: int,
                            _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        return t("📅 Pair {pair} missed two meetings in a row: student {student}, volunteer "
                 "{volunteer}. They may need a hand.").format(
                     pair=params["pair_id"], student=params["student_id"],
                     volunteer=params["volunteer_id"]), None

    async def _availability_question(self, _params: dict[str, Any], _recipient: int,
                                     _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        from handlers.availability import availability_keyboard

        return (t("Hello! Can you take a new student now? One tap is enough."),
                availability_keyboard())

    async def _availability_paused(self, _params: dict[str, Any], _recipient: int,
                                   _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        return t("We didn't hear back from you, so we won't propose you any student for now. "
                 "Send /available whenever you are ready again."), None

    async def _pause_over(self, _params: dict[str, Any], _recipient: int,
                          _language: str) -> tuple[Markup, InlineKeyboardMarkup | None]:
        return t("Your pause is over: welcome back! We can propose you students again. "
                 "Send /pause if you need more time."), None

    def _when(self, iso: str, language: str) -> str:
        moment = datetime.fromisoformat(iso).astimezone(self._zone)
        return format_datetime(moment, "EEEE d MMMM, HH:mm", locale=language)


def student_card(student: StudentProfile) -> Markup:
    """The anonymised summary a volunteer sees: no contact, no surname."""
    department = places.department(student.department)
    lines = [
        Markup("{} · {} · {}").format(bold(student.first_name), texts.field_label(student.field),
                                      texts.option_label(LEVEL, student.level)),
        Markup("📍 {} ({})").format(department.name, department.code),
        t("<b>Needs</b>: {needs}").format(needs=texts.answer_label(NEEDS, student.needs)),
        t("<b>Free</b>: {slots}").format(
            slots=texts.answer_label(AVAILABILITY, student.availability)),
        t("<b>Goals</b>: {goals}").format(goals=student.goals),
    ]
    return Markup("\n").join(lines)


def volunteer_card(volunteer: VolunteerProfile) -> Markup:
    department = places.department(volunteer.department)
    lines = [
        Markup("{} · {}").format(bold(volunteer.first_name), volunteer.profession),
        Markup("📍 {} ({})").format(department.name, department.code),
        t("<b>About</b>: {bio}").format(bio=volunteer.bio),
    ]
    return Markup("\n").join(lines)


def reasons_text(reasons: list[dict[str, Any]]) -> str:
    """Why a pair fits, in words: "same field: Law; both in Rhône; can help with CV review"."""
    parts = []
    for reason in reasons:
        code, details = reason["code"], reason.get("details", [])
        if code == "same_field":
            parts.append(_("same field: {field}").format(field=texts.field_label(details[0])))
        elif code == "same_family":
            parts.append(_("close fields: {family}").format(
                family=_(catalog.family(details[0]).label)))
        elif code == "same_department":
            parts.append(_("both in {place}").format(
                place=places.department(details[0]).name))
        elif code == "same_region":
            parts.append(_("both in {place}").format(place=places.region(details[0]).name))
        elif code == "remote":
            parts.append(_("happy to meet at a distance"))
        elif code == "covers_needs" and details:
            parts.append(_("can help with {needs}").format(
                needs=", ".join(texts.option_label(NEEDS, code) for code in details)))
        elif code == "shared_availability" and details:
            parts.append(_("free at the same times"))
    return "; ".join(parts) if parts else _("a good overall fit")


def ideas_for(student: StudentProfile) -> list[str]:
    """Concrete things to do together, drawn from the student's needs."""
    ideas = {
        "homework": _("go through a course chapter that feels hard"),
        "organisation": _("build a weekly study plan together"),
        "exams": _("plan the revision for the next exams"),
        "oral": _("practise a three-minute oral presentation"),
        "cv": _("read the CV together and pick three things to improve"),
        "cover_letter": _("draft the outline of a cover letter"),
        "internship": _("list ten places to apply to for an internship"),
        "job_search": _("choose the jobs to aim for and where to find them"),
        "orientation": _("talk about the studies and jobs that attract you"),
        "moral_support": _("share how things are going and what weighs the most"),
    }
    return [ideas[need] for need in student.needs if need in ideas]


def first_exchange(student: StudentProfile) -> Markup:
    """Three concrete ideas for the first exchange, drawn from the student's needs."""
    chosen = ideas_for(student)[:3]
    for generic in (_("get to know each other: studies, job, what you expect"),
                    _("agree on how often you will talk"),
                    _("set one small goal for the next two weeks")):
        if len(chosen) < 3:
            chosen.append(generic)
    lines = [t("<b>Ideas for your first exchange</b>:")]
    lines += [Markup("{}. {}").format(number, idea) for number, idea in enumerate(chosen, 1)]
    return Markup("\n").join(lines)


def relay_line(name: str) -> Markup:
    """How a pair writes to each other: through the bot, whatever they do with contacts."""
    return t("✉️ Write here: I pass your messages on to {name}.").format(name=name)


def share_contact_button(pair_id: int) -> InlineKeyboardMarkup:
    """The one button about contacts a card carries: offering one's own, never a link to
    the other's account."""
    from handlers.contacts import share_contact_button as button

    return button(pair_id)


def RHYTHM_QUESTION() -> Markup:
    return t("How often should we check in on you? Every two weeks, unless you choose below "
             "(or later with /rhythm).")


def with_rhythm(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup:
    from handlers.keeping import rhythm_keyboard

    kb = InlineKeyboardBuilder.from_markup(markup) if markup else InlineKeyboardBuilder()
    kb.attach(InlineKeyboardBuilder.from_markup(rhythm_keyboard()))
    return kb.as_markup()


def continue_buttons(pair_id: int) -> list[Any]:
    from aiogram.types import InlineKeyboardButton

    from handlers.callbacks import ContinueAnswer

    return [InlineKeyboardButton(text=_("Yes, we continue"),
                                 callback_data=ContinueAnswer(pair=pair_id,
                                                              answer="yes").pack()),
            InlineKeyboardButton(text=_("No, end the binôme"),
                                 callback_data=ContinueAnswer(pair=pair_id, answer="no").pack())]


def waiting_text() -> Markup:
    return t("For now, no volunteer who fits your profile is free. You are on our waiting "
             "list, and we will write to you here as soon as a mentor is available.")
