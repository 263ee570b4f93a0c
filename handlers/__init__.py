"""aiogram routers, in the order they are tried."""

from aiogram import F, Router

from handlers import account, errors, fallback, signup, start


def get_routers() -> list[Router]:
    """Errors first (they only see failures), then commands that work anywhere, then the
    conversations, then the fallback that explains whatever nobody took."""
    routers = [errors.router, start.router, account.router, signup.router, fallback.router]
    for router in routers[1:]:
        # Binôme talks to people one to one; group chats are not part of the programme.
        router.message.filter(F.chat.type == "private")
    return routers
