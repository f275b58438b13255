"""Races on membership: requests truly in parallel (threads, one client and session each)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from sqlmodel import Session, func, select, update

from planner.models import Membership, Role
from planner.services import workspaces
from planner.timeutils import utcnow


def _all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run *calls* in threads released together by a barrier, returning their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _owners(session: Session, workspace_id: int) -> int:
    session.expire_all()
    return session.exec(
        select(func.count())
        .select_from(Membership)
        .where(Membership.workspace_id == workspace_id, Membership.role == Role.OWNER)
    ).one()


def test_one_invitation_link_lets_exactly_one_of_many_concurrent_requests_join(
    app, session, auth
) -> None:
    owner = auth.user("owner@example.com")
    acc = workspaces.access(session=session, user=owner.user, workspace_id=owner.workspace.id)
    _inv, token = workspaces.create_invitation(
        session=session, acc=acc, role=Role.OWNER, now=utcnow()
    )
    session.commit()
    people = [auth.user(f"guest{i}@example.com", workspace_name=f"Own {i}") for i in range(20)]
    clients = [auth.login(app.test_client(), person) for person in people]

    codes = _all_at_once(
        [lambda c=c: c.post(f"/invite/{token}", data={}).status_code for c in clients]
    )

    assert sorted(codes) == [302] + [404] * 19
    joined = session.exec(
        select(func.count())
        .select_from(Membership)
        .where(Membership.workspace_id == owner.workspace.id)
    ).one()
    assert joined == 2  # the owner and exactly one guest
    assert _owners(session, owner.workspace.id) == 2


def test_two_owners_demoting_each_other_at_once_leave_an_owner(app, session, auth) -> None:
    first = auth.user("first@example.com")
    second = auth.user("second@example.com", workspace=first.workspace, role=Role.OWNER)
    a = auth.login(app.test_client(), first)
    b = auth.login(app.test_client(), second)
    wid, first_id, second_id = first.workspace.id, first.user.id, second.user.id
    for _round in range(8):
        session.exec(
            update(Membership).where(Membership.workspace_id == wid).values(role=Role.OWNER)
        )
        session.commit()
        codes = _all_at_once(
            [
                partial(a.post, f"/settings/members/{second_id}/role", data={"role": "editor"}),
                partial(b.post, f"/settings/members/{first_id}/role", data={"role": "editor"}),
            ]
        )
        assert all(resp.status_code in (302, 403) for resp in codes)
        assert _owners(session, wid) == 1


def test_two_owners_removing_each_other_at_once_leave_an_owner(app, session, auth) -> None:
    for n in range(8):
        first = auth.user(f"first{n}@example.com", workspace_name=f"Shop {n}")
        other = auth.user(f"other{n}@example.com", workspace=first.workspace, role=Role.OWNER)
        a = auth.login(app.test_client(), first)
        b = auth.login(app.test_client(), other)
        first_id, other_id = first.user.id, other.user.id
        _all_at_once(
            [
                partial(a.post, f"/settings/members/{other_id}/remove"),
                partial(b.post, f"/settings/members/{first_id}/remove"),
            ]
        )
        assert _owners(session, first.workspace.id) == 1
