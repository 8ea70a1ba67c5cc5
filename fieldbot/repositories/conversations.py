"""Conversation state kept as rows (§7): forms that span several messages, and what the
inline buttons do (callback data is only an opaque token).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.repositories.base import (
    ConcurrencyConflict,
    JsonObject,
    Repository,
    aware,
    json_object,
    new_token,
)
from fieldbot.repositories.events import canonical_json


@dataclass(frozen=True, slots=True)
class Form:
    """A conversation that spans several messages, one per Telegram user."""

    user_id: int
    name: str
    step: str
    data: JsonObject = field(default_factory=dict)
    version: int = 0
    updated_at: datetime | None = None


class FormRepository(Repository):
    @staticmethod
    def _form(row: RowMapping) -> Form:
        return Form(
            user_id=int(row["user_id"]),
            name=row["name"],
            step=row["step"],
            data=json_object(row["data"]),
            version=int(row["version"]),
            updated_at=row["updated_at"],
        )

    async def get(self, user_id: int) -> Form | None:
        row = await self._first(select(t.forms).where(t.forms.c.user_id == user_id))
        return None if row is None else self._form(row)

    async def start(
        self, user_id: int, name: str, step: str, data: Mapping[str, Any], now: datetime
    ) -> Form:
        """Begin a form, replacing whatever form the user had open."""
        now = aware(now, "now")
        await self._conn.execute(delete(t.forms).where(t.forms.c.user_id == user_id))
        await self._conn.execute(
            insert(t.forms).values(
                user_id=user_id,
                name=name,
                step=step,
                data=canonical_json(dict(data)),
                version=1,
                updated_at=now,
            )
        )
        return Form(user_id, name, step, dict(data), 1, now)

    async def save(self, form: Form, now: datetime) -> Form:
        """Write the form's new step and data if nobody changed it since it was read."""
        now = aware(now, "now")
        column = t.forms.c
        result = await self._conn.execute(
            update(t.forms)
            .where(column.user_id == form.user_id, column.version == form.version)
            .values(
                name=form.name,
                step=form.step,
                data=canonical_json(dict(form.data)),
                version=column.version + 1,
                updated_at=now,
            )
            .returning(column.version)
        )
        version = result.scalar_one_or_none()
        if version is None:
            raise ConcurrencyConflict(f"the form of user {form.user_id} changed meanwhile")
        return replace(form, version=int(version), updated_at=now)

    async def clear(self, user_id: int) -> None:
        await self._conn.execute(delete(t.forms).where(t.forms.c.user_id == user_id))


@dataclass(frozen=True, slots=True)
class Button:
    """What an inline button does; its callback data is only the opaque ``token``."""

    token: str
    user_id: int
    action: str
    payload: JsonObject
    created_at: datetime
    expires_at: datetime | None = None
    used_at: datetime | None = None


class ButtonRepository(Repository):
    @staticmethod
    def _button(row: RowMapping) -> Button:
        return Button(
            token=row["token"],
            user_id=int(row["user_id"]),
            action=row["action"],
            payload=json_object(row["payload"]),
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            used_at=row["used_at"],
        )

    async def create(
        self,
        user_id: int,
        action: str,
        payload: Mapping[str, Any],
        now: datetime,
        expires_at: datetime | None = None,
    ) -> str:
        """Store what the button does for the one user who may press it; returns its token."""
        token = new_token()
        await self._conn.execute(
            insert(t.buttons).values(
                token=token,
                user_id=user_id,
                action=action,
                payload=canonical_json(dict(payload)),
                created_at=aware(now, "now"),
                expires_at=None if expires_at is None else aware(expires_at, "expires_at"),
            )
        )
        return token

    async def get(self, token: str) -> Button | None:
        row = await self._first(select(t.buttons).where(t.buttons.c.token == token))
        return None if row is None else self._button(row)

    async def use(self, token: str, user_id: int, now: datetime) -> Button | None:
        """Press a single-use button: None when unknown, not this user's, used or expired."""
        now = aware(now, "now")
        column = t.buttons.c
        row = await self._first(
            update(t.buttons)
            .where(
                column.token == token,
                column.user_id == user_id,
                column.used_at.is_(None),
                or_(column.expires_at.is_(None), column.expires_at > now),
            )
            .values(used_at=now)
            .returning(*t.buttons.c)
        )
        return None if row is None else self._button(row)

    async def forget_user(self, user_id: int) -> None:
        """Erasure (DESIGN.md §6): the buttons this Telegram account could press go."""
        await self._conn.execute(delete(t.buttons).where(t.buttons.c.user_id == user_id))

    async def purge_expired(self, now: datetime) -> int:
        column = t.buttons.c
        result = await self._conn.execute(
            delete(t.buttons)
            .where(column.expires_at.is_not(None), column.expires_at <= aware(now, "now"))
            .returning(column.token)
        )
        return len(result.all())
