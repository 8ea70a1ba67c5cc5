"""Surveys and complaints as values (DESIGN.md §5): the four survey items and their levels,
a complaint's severity and cause, and the rules on them that need no database."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from fieldbot.domain.errors import DomainError

# attitude 态度, skill 技术, arrival time 到达时间, keeping promises 答应事情的办理
ITEMS: tuple[str, ...] = ("attitude", "skill", "arrival", "promises")
LEVELS: tuple[int, ...] = (4, 3, 2, 1)  # very satisfied … unsatisfied
UNSATISFIED = 1


class Severity(StrEnum):
    GENERAL = "general"
    SERIOUS = "serious"


class Cause(StrEnum):
    QUALITY = "quality"
    NOT_QUALITY = "not_quality"


class ContactKind(StrEnum):
    VISIT = "visit"
    CALL = "call"


class InvalidRating(DomainError):
    code = "invalid_rating"


class SurveyIncomplete(DomainError):
    code = "survey_incomplete"


def check_rating(item: str, level: int) -> None:
    if item not in ITEMS or level not in LEVELS:
        raise InvalidRating(f"no rating {item}={level}", item=item, level=level)


def complete(ratings: Mapping[str, int | None]) -> dict[str, int]:
    """All four items rated, or :class:`SurveyIncomplete` naming the first missing."""
    missing = [item for item in ITEMS if ratings.get(item) is None]
    if missing:
        raise SurveyIncomplete(f"not rated: {', '.join(missing)}", item=missing[0])
    found: dict[str, int] = {}
    for item in ITEMS:
        level = ratings[item]
        assert level is not None
        check_rating(item, level)
        found[item] = level
    return found


def unsatisfied(ratings: Mapping[str, int | None]) -> list[str]:
    """The items rated 1: each opens a complaint candidate for the supervisor."""
    return [item for item in ITEMS if ratings.get(item) == UNSATISFIED]
