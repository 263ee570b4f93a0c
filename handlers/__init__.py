"""aiogram routers, in the order they are tried."""

from aiogram import F, Router

from handlers import (
    account,
    attachments,
    availability,
    blocks,
    broadcast,
    contacts,
    errors,
    fallback,
    impact,
    keeping,
    matching,
    meetings,
    pair_care,
    relay,
    sessionlog,
    signup,
    staff,
    start,
    vetting,
)


def get_routers() -> list[Router]:
    """Errors first (they only see failures), then /start, staff commands (/block and
    /unblock first), vetting (it also
    shows a volunteer a new charter at their next message, then lets the message go on),
    the commands that work anywhere,
    the sign-up form, the relay between the members of a pair, and last the fallback that
    explains whatever nobody took."""
    conversations = [start.make_router(), blocks.make_router(), staff.make_router(),
                     vetting.make_router(),
                     impact.make_router(),
                     broadcast.make_router(),
                     matching.make_router(), contacts.make_router(),
                     availability.make_router(),
                     pair_care.make_router(), attachments.make_router(),
                     keeping.make_router(), meetings.make_router(), sessionlog.make_router(),
                     account.make_router(),
                     signup.make_router(), relay.make_router(), fallback.make_router()]
    for router in conversations:
        # Binôme talks to people one to one; group chats are not part of the programme.
        router.message.filter(F.chat.type == "private")
    return [errors.make_router(), *conversations]
