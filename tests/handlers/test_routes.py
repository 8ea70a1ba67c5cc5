"""The routes table: every button the code makes leads to a route, one route per kind and key,
every permission a route names is a real one that some role holds, and the command menus
offer only commands that have a route."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from fieldbot.bot.app import build_routes
from fieldbot.domain.permissions import PERMISSIONS, Permission
from fieldbot.handlers.common import COMMANDS
from fieldbot.handlers.routes import AUDIENCES, KINDS, DuplicateRoute, Routes, command

PACKAGE = Path(__file__).resolve().parents[2] / "fieldbot"
ACTION_KEY = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def _button_actions() -> dict[str, str]:
    """action -> where a button with it is made: every ``(label, "action.key", payload)``
    in the product's code (the sandbox is not the product), and every ``..._ACTION``
    constant such a button names."""
    found: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        if "sandbox" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                value = node.value.value
                if any(n.endswith("_ACTION") for n in names) and isinstance(value, str):
                    found.setdefault(value, f"{path.relative_to(PACKAGE)}:{node.lineno}")
            if not isinstance(node, ast.Tuple) or len(node.elts) != 3:
                continue
            key = node.elts[1]
            text = key.value if isinstance(key, ast.Constant) else None
            if isinstance(text, str) and ACTION_KEY.match(text):
                found.setdefault(text, f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_the_routes_are_collected_from_every_audience() -> None:
    routes = build_routes()
    assert {r.audience for r in routes.all()} == set(AUDIENCES)
    assert {r.kind for r in routes.all()} == set(KINDS)
    assert routes.get("command", "start") is not None
    assert routes.get("command", "new") is not None
    assert routes.get("action", "job.accept") is not None
    assert routes.get("action", "part.deliver") is not None
    assert routes.get("media", "location") is not None


def test_every_button_in_the_code_has_a_route() -> None:
    buttons = _button_actions()
    assert len(buttons) > 30  # the scan finds the buttons at all
    actions = build_routes().keys("action")
    missing = {key: where for key, where in buttons.items() if key not in actions}
    assert missing == {}


def test_every_action_route_is_some_button() -> None:
    buttons = _button_actions()
    unused = build_routes().keys("action") - set(buttons)
    assert unused == set()


def test_two_routes_for_one_key_and_audience_are_refused() -> None:
    async def one(turn: object, args: str) -> None: ...

    with pytest.raises(DuplicateRoute):
        Routes([command("x", one, "staff"), command("x", one, "staff")], stranger=one)  # type: ignore[arg-type]
    with pytest.raises(DuplicateRoute):
        Routes([command("x", one, "registered"), command("x", one, "customer")], stranger=one)  # type: ignore[arg-type]
    every = build_routes().all()
    assert len(every) == len({(r.kind, r.key, r.audience) for r in every})


def test_one_key_for_staff_and_customers_is_decided_by_audience() -> None:
    """/new is the supervisor's intake for staff and a customer's own request (DESIGN §5)."""
    routes = build_routes()
    new = [r for r in routes.all() if r.kind == "command" and r.key == "new"]
    assert {r.audience for r in new} == {"staff", "customer"}


def test_every_permission_of_a_route_is_held_by_some_role() -> None:
    granted = set().union(*PERMISSIONS.values())
    for route in build_routes().all():
        if route.permission is not None:
            assert isinstance(route.permission, Permission)
            assert route.permission in granted, route
            assert route.audience == "staff", route


def test_the_command_menus_offer_only_routed_commands() -> None:
    routes = build_routes()
    for name, _description, _audience in COMMANDS:
        route = routes.get("command", name)
        assert route is not None, name
