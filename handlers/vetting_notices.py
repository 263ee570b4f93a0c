"""How the messages of vetting read: to staff (a new volunteer, an answer, an expired check)
and to volunteers (approved, refused, a question, a check to renew)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from babel.dates import format_date

from handlers.markup import Markup, t
from mentoring.signup import Signup

VETTING_KINDS = frozenset({"vetting_new", "vetting_approved", "vetting_refused",
                           "vetting_question", "vetting_answer", "check_renewal",
                           "check_expired_staff"})


async def render_vetting(kind: str, params: dict[str, Any], signup: Signup,
                         language: str) -> tuple[Markup, InlineKeyboardMarkup | None] | None:
    if kind == "vetting_approved":
        return t("🎉 Welcome to the programme! The team has approved your profile: we will "
                 "propose a student to you right here, and you decide with one tap."), None
    if kind == "vetting_refused":
        return t("Thank you warmly for offering your time. The programme's team will not "
                 "propose students to you for now; here is their word:\n\n{reason}\n\nWe wish "
                 "you all the best, and thank you again.").format(reason=params["body"]), None
    if kind == "vetting_question":
        return t("A question from the programme's team about your profile:\n\n{question}\n\n"
                 "Just reply here: I will pass your answer on.").format(
                     question=params["body"]), None
    if kind == "check_renewal":
        expires = format_date(date.fromisoformat(params["expires_on"]), format="long",
                              locale=language)
        return t("Your criminal-record check (attestation d'honorabilité) counts until "
                 "{date}. Please ask for a new one and send it to the programme's team, so "
                 "that you can go on mentoring students under 18.").format(date=expires), None
    volunteer_id = params.get("volunteer_id")
    profile = await signup.profile(volunteer_id) if volunteer_id else None
    name = profile.first_name if profile else "–"
    if kind == "vetting_new":
        if profile is None:
            return None
        return t("🆕 A new volunteer, {name} ({id}), waits for your approval: "
                 "/approvals").format(name=name, id=volunteer_id), None
    if kind == "vetting_answer":
        return t("💬 {name} (volunteer {id}) answers your question:\n\n{answer}").format(
            name=name, id=volunteer_id, answer=params["body"]), None
    if kind == "check_expired_staff":
        return t("⚠️ The criminal-record check of {name} (volunteer {id}) has expired, and "
                 "they mentor a student under 18 (pair {pair}, student {student}). The pair "
                 "goes on: ask for a new check and record it with /approvals {id}.").format(
                     name=name, id=volunteer_id, pair=params["pair_id"],
                     student=params["student_id"]), None
    raise LookupError(f"no renderer for outbox kind {kind!r}")
