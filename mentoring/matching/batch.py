"""Global assignment of the waiting list (placeholder while the solver is written)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mentoring.model import StudentProfile


@dataclass(frozen=True)
class WaitingStudent:
    profile: StudentProfile
    waiting_since: datetime
