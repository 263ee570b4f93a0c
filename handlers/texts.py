"""How the form's questions, answers and mistakes read in the user's language."""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _

from handlers.markup import Markup, bold, lines, t
from mentoring import catalog, places
from mentoring.form import Draft, Step, StepKind
from mentoring.model import Role


def question(role: Role, step: Step) -> Markup:
    """The question that asks for ``step``, with a hint on how to answer."""
    student = role is Role.STUDENT
    questions = {
        "first_name": t("What is your first name?"),
        "birth_year": t("In which year were you born? Tap it below, or type it (for example "
                        "2008)."),
        "field": t("What do you study? Pick a family below, or type a few letters of your field.")
        if student else
        t("What is your own field? Pick a family below, or type a few letters of it."),
        "level": t("What is your level of study?"),
        "place": t("Where do you live? Send your postal code (for example 69003) "
                   "or your department number (for example 69).")
        if student else
        t("Where are you based? Send your postal code (for example 69003) "
          "or your department number (for example 69)."),
        "needs": t("What would you like help with? Tap everything that fits, then “Done”."),
        "languages": t("Which languages can you talk in? Tap all that apply, then “Done”."),
        "availability": t("When can you usually talk? Tap all that apply, then “Done”."),
        "goals": t("In a few words, what are your goals? This helps your mentor prepare."),
        "profession": t("What is your job? For example: lawyer, nurse, data analyst."),
        "sector": t("Which sector do you work in?"),
        "help_families": t("Which fields could you help students with? "
                           "Tap all that apply, then “Done”."),
        "remote": t("Are you happy to mentor at a distance (video or phone)?"),
        "skills": t("How can you help a student? Tap everything you are comfortable with, "
                    "then “Done”."),
        "capacity": t("How many students can you follow at the same time?"),
        "bio": t("Introduce yourself in a few words. Your student will read this."),
    }
    return questions[step.name]


def option_label(step: Step, code: str) -> str:
    for option in step.options:
        if option.code == code:
            return _(option.label) if not option.label.isdigit() else option.label
    return code


def field_label(code: str) -> str:
    return _(catalog.field(code).label)


def place_label(department_code: str) -> str:
    department = places.department(department_code)
    return f"{department.name} ({department.code}), {department.region.name}"


def answer_label(step: Step, value: Any) -> str:
    """A saved answer as the user reads it, plain text."""
    if step.kind is StepKind.TEXT:
        return str(value)
    if step.kind is StepKind.YEAR:
        return str(value) if value else "–"
    if step.kind is StepKind.FIELD:
        return field_label(value)
    if step.kind is StepKind.PLACE:
        return place_label(value["department"])
    if step.kind is StepKind.MULTI:
        return ", ".join(option_label(step, code) for code in value)
    return option_label(step, value)


def summary(draft: Draft, *, saved: bool) -> Markup:
    parts = [t("Here is your profile:") if saved else t("Here is what you told me:"), ""]
    for step in draft.steps():
        if step.name in draft.answers:
            parts.append(Markup("{}: {}").format(
                bold(_(step.label)), answer_label(step, draft.answers[step.name])))
    parts.append("")
    parts.append(t("Tap “Edit a field” to change an answer.") if saved
                 else t("Is everything right?"))
    return lines(*parts)


def mistake(step: Step, reason: str) -> str:
    """One sentence that says what was wrong with an answer and how to give a good one,
    plain text: it is also shown as an alert."""
    texts = {
        "empty": _("Please write your answer in a message."),
        "not_a_year": _("Please send your year of birth in four digits, for example 2008."),
        "future_year": _("That year has not come yet: please check your year of birth."),
        "too_long": _("That is too long: please keep it under {limit} characters.").format(
            limit=step.max_length),
        "too_short": _("A little more, please: at least {limit} characters.").format(
            limit=step.min_length),
        "no_letters": _("Please answer with words, not only emoji, numbers or symbols."),
        "bad_characters": _("A first name only uses letters, spaces, hyphens or apostrophes."),
        "unknown_postal_code": _("I don't know this postal code: please check it "
                                 "(5 digits, for example 69003)."),
        "unknown_department": _("I didn't recognise this place: send a postal code (69003) "
                                "or a department number (69)."),
        "corsica_ambiguous": _("Corsica has two departments: send 2A (Corse-du-Sud) "
                               "or 2B (Haute-Corse)."),
        "not_france": _("The programme is open in France only, overseas departments included: "
                        "send a French postal code."),
        "none_chosen": _("Choose at least one option, then tap “Done”."),
        "use_buttons": _("Please answer with the buttons below."),
        "use_toggles": _("Tap the options you want below, then “Done”."),
        "text_only": _("I can only read text here: please type your answer."),
        "search_short": _("Type at least 2 letters, or pick a family below."),
        "unknown_option": _("Please answer with the buttons below."),
    }
    return texts.get(reason, texts["use_buttons"])


def no_field_found(query: str) -> Markup:
    return t("I found no field matching “{query}”: try other letters, or pick a family.").format(
        query=query[:40])


def chosen(question_text: Markup, answer: str) -> Markup:
    """A question once answered, as it stays in the chat: the buttons give way to the answer."""
    return Markup("{}\n\n✔️ {}").format(question_text, bold(answer))


def step_names(role: Role, mode: str = "signup") -> dict[str, str]:
    """The fields one may edit. A saved year of birth is not among them: a student could
    otherwise make themself an adult; staff correct it if it is wrong."""
    return {step.name: _(step.label) for step in Draft(role).steps()
            if mode == "signup" or step.name != "birth_year"}


def role_label(role: Role) -> str:
    return _("student") if role is Role.STUDENT else _("volunteer")


def help_text() -> Markup:
    return lines(
        t("Here is what I can do:"),
        "",
        t("/start: sign up, or continue your sign-up"),
        t("/binome: see your mentor or your student"),
        t("/meet: plan a meeting with your binôme"),
        t("/pause and /available: volunteers take a break and come back"),
        t("/rhythm: how often we check in on your binôme"),
        t("/report: tell the staff about a problem"),
        t("/end: end your binôme"),
        t("/news: students, tell us what has changed (internship, job, exam…)"),
        t("/profile: see and edit your profile"),
        t("/language: change the language"),
        t("/cancel: stop what you are doing"),
        t("/privacy: how we use your data"),
        t("/mydata: get everything we hold about you"),
        t("/delete: erase your data"),
    )


def privacy_notice() -> Markup:
    from mentoring.model import PRIVACY_NOTICE_VERSION

    return Markup("\n\n").join([
        t("<b>Privacy notice</b> (version {version})").format(version=PRIVACY_NOTICE_VERSION),
        t("What we keep: your first name, your Telegram name and username, what you tell us "
          "when you sign up (studies or job, place, needs, languages, availability, a few "
          "words about you) and the date you agreed to this notice."),
        t("Why: only to run the mentoring programme: to find you a match, introduce you to "
          "each other and keep in touch. We never sell your data and never show your contact "
          "before both sides agree to be paired."),
        t("Who sees it: the programme staff and, once you are paired, your match sees your "
          "summary."),
        t("Your rights: /mydata sends you everything we hold; /delete erases it at once and "
          "ends any pairing. Only anonymous counts remain."),
    ])


def command_description(name: str) -> str:
    """The menu entry of a command (Telegram allows 3 to 256 characters)."""
    descriptions = {
        "start": _("Sign up or continue"),
        "binome": _("See your binôme"),
        "meet": _("Plan a meeting with your binôme"),
        "pause": _("Volunteers: take a break"),
        "available": _("Volunteers: available again"),
        "report": _("Report a problem"),
        "rhythm": _("How often we check in"),
        "end": _("End your binôme"),
        "news": _("Students: tell us what changed"),
        "profile": _("See and edit your profile"),
        "language": _("Change the language"),
        "help": _("What the bot can do"),
        "privacy": _("How we use your data"),
        "mydata": _("Get all your data"),
        "delete": _("Erase your data"),
        "cancel": _("Stop what you are doing"),
        "waiting": _("Staff: students waiting"),
        "stats": _("Staff: figures and chart"),
        "gaps": _("Staff: where volunteers are missing"),
        "risk": _("Staff: pairs at risk"),
        "reports": _("Staff: open reports"),
        "broadcast": _("Staff: send an announcement"),
        "broadcasts": _("Staff: announcements sent"),
        "export": _("Staff: CSV exports"),
        "staff": _("Staff: who is staff"),
        "exclude": _("Staff: never propose two people"),
        "impact": _("Staff: impact report for funders"),
        "approvals": _("Staff: approve new volunteers, record checks"),
        "block": _("Staff: block a person (ID reason)"),
        "unblock": _("Staff: lift a block (ID)"),
    }
    return descriptions[name]


USER_COMMANDS = ("start", "binome", "meet", "profile", "rhythm", "pause", "available", "report",
                 "end", "news", "language", "help", "privacy", "mydata", "delete", "cancel")
STAFF_MENU = ("waiting", "stats", "gaps", "risk", "reports", "broadcast", "broadcasts",
              "export", "staff", "exclude", "approvals", "impact", "block", "unblock")
