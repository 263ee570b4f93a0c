"""Matching students with volunteers: the score of a pair and its reasons (:mod:`.scoring`),
the instant search for one student (:mod:`.pool`) and the global assignment of the waiting
list (:mod:`.batch`)."""

from mentoring.matching.batch import Assignment, WaitingStudent, assign, greedy
from mentoring.matching.pool import VolunteerPool
from mentoring.matching.scoring import DEFAULT_WEIGHTS, Reason, Score, Weights, eligible, score

__all__ = [
    "DEFAULT_WEIGHTS",
    "Assignment",
    "Reason",
    "Score",
    "VolunteerPool",
    "WaitingStudent",
    "Weights",
    "assign",
    "eligible",
    "greedy",
    "score",
]
