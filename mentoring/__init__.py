"""Binôme's domain: profiles, sign-up rules, places and the programme's vocabulary.

Nothing here imports aiogram, SQLAlchemy or APScheduler; the outside world is reached
through the Protocols in :mod:`mentoring.ports`.
"""
