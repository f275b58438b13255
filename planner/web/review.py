"""Review: the queue, submit / approve / reject buttons, bulk approval and comments on a post."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import Session

from planner import mail
from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.media_models import Media
from planner.models import Channel, Post, PostStatus, Workspace
from planner.services import (
    accounts,
    audit_words,
    comments,
    guardrail_checks,
    guardrail_suggestions,
    outgoing,
    previews,
    review,
    review_bulk,
    workspaces,
)
from planner.services import channels as channel_service
from planner.services import posts as post_service
from planner.services.errors import GuardrailBlocked, ValidationError
from planner.services.media import media_for_posts
from planner.services.notifications import Notice, excerpt
from planner.services.review import ReviewResult
from planner.services.workspaces import Access
from planner.timeutils import utcnow
from planner.web.boundary import as_id
from planner.web.cards import card_for
from planner.web.context import current_access, local_url, with_access
from planner.web.forms import ApproveForm, NoteForm, RejectForm
from planner.web.forms_support import act

bp = Blueprint("review", __name__)

# Only these can still be approved, so only their guardrail impact is worth computing.
_REVIEWABLE = {PostStatus.DRAFT, PostStatus.IN_REVIEW}


@bp.app_context_processor
def _review_nav() -> dict[str, Any]:
    """The number of posts waiting for review, for the "Review" link in the top bar."""
    acc = current_access() if current_user.is_authenticated else None
    if acc is None:
        return {}
    return {
        "review_count": review.in_review_count(session=get_session(), workspace_id=acc.workspace.id)
    }


def _send(notices: Sequence[Notice]) -> None:
    """Email the notices of a committed action; failures are logged inside, never raised."""
    mail.send(current_app._get_current_object(), notices, now=utcnow())


def _next_url(post_id: int | None = None) -> str:
    """Where to go after a button: the page that sent it (same site only), else the post."""
    if target := local_url(request.form.get("next")):
        return target
    return url_for("posts.view", post_id=post_id) if post_id else url_for("review.queue")


# The review forms carry the CSRF token (checked app-wide) and plain text; the services validate
# that text, after the role and status checks, so every way in refuses in the same order.


def _act(
    post_id: int,
    run: Callable[[Session], ReviewResult],
    success: str | Callable[[ReviewResult], str],
):
    """Run one review action, commit and tell who needs telling; a refusal is flashed."""
    ok, result = act(run, done=success, refused=(ValidationError, GuardrailBlocked))
    if ok and result is not None:
        _send(result.notices)
    return redirect(_next_url(post_id))


@bp.post("/posts/<id:post_id>/submit")
@with_access
def submit(acc: Access, post_id: int):
    return _act(
        post_id,
        lambda db: review.submit(
            session=db, acc=acc, post_id=post_id, connectors=get_connectors(), now=utcnow()
        ),
        lambda result: f"Submitted for review. {_told(result.notices)}",
    )


def _told(notices: Sequence[Notice]) -> str:
    """Who heard of a submission, by name; an editor is named only when there is one."""
    names = list(dict.fromkeys(n.name for n in notices))
    if not names:
        return "Nobody else reviews posts here yet: invite an editor, or approve it yourself."
    if len(names) > 3:
        return f"{len(names)} reviewers have been told."
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{listed} {'has' if len(names) == 1 else 'have'} been told."


@bp.post("/posts/<id:post_id>/approve")
@with_access
def approve(acc: Access, post_id: int):
    reason = ApproveForm().override_reason.data
    return _act(
        post_id,
        lambda db: review.approve(
            session=db,
            acc=acc,
            post_id=post_id,
            now=utcnow(),
            override_reason=reason,
            connectors=get_connectors(),
        ),
        "Approved. It is queued for its time.",
    )


@bp.post("/posts/<id:post_id>/reject")
@with_access
def reject(acc: Access, post_id: int):
    comment = RejectForm().comment.data
    return _act(
        post_id,
        lambda db: review.reject(
            session=db, acc=acc, post_id=post_id, comment=comment, now=utcnow()
        ),
        "Rejected. The author can see your comment.",
    )


@bp.post("/posts/<id:post_id>/comments")
@with_access
def comment(acc: Access, post_id: int):
    form = NoteForm()
    act(
        lambda db: review.add_comment(
            session=db, acc=acc, post_id=post_id, body=form.body.data, now=utcnow()
        ),
        done="Note added.",
        refused=(ValidationError,),
    )
    return redirect(url_for("posts.view", post_id=post_id, _anchor="comments"))


@bp.post("/review/approve")
@with_access
def approve_many(acc: Access):
    """Approve the ticked posts; each is checked on its own, so one refusal stops no other."""
    return _bulk(acc, review_bulk.approve_many, "approve", "Approved {n}.")


@bp.post("/review/submit")
@with_access
def submit_many(acc: Access):
    """Submit the ticked drafts for review, each checked on its own."""
    return _bulk(acc, review_bulk.submit_many, "submit", "Submitted {n} for review.")


@bp.post("/posts/<id:post_id>/submit-series")
@with_access
def submit_series(acc: Access, post_id: int):
    """Submit every draft still to come in the post's repeating series."""
    db = get_session()
    outcome = review_bulk.submit_series(
        session=db, acc=acc, post_id=post_id, connectors=get_connectors(), now=utcnow()
    )
    return _after_bulk(acc, outcome, "submitted", "Submitted {n} of this series for review.")


def _bulk(acc: Access, action: Callable[..., review_bulk.Outcome], verb: str, done: str):
    ids = [i for v in request.form.getlist("post_ids") if (i := as_id(v)) is not None]
    if not ids:
        flash(f"Tick the posts to {verb} first.", "info")
        return redirect(_next_url())
    outcome = action(
        session=get_session(), acc=acc, post_ids=ids, connectors=get_connectors(), now=utcnow()
    )
    return _after_bulk(acc, outcome, "approved" if verb == "approve" else "submitted", done)


def _after_bulk(acc: Access, outcome: review_bulk.Outcome, undone: str, done: str):
    """Commit what went through, send its mail (one email per person), and say what did not."""
    db = get_session()
    results, refused = outcome
    db.commit()
    notices = [n for result in results for n in result.notices]
    _send(notices)
    if results:
        n = len(results)
        message = done.format(n=f"{n} post{'s' if n != 1 else ''}")
        if undone == "submitted":
            message = f"{message} {_told(notices)}"
        flash(message, "success")
    elif not refused:
        flash(f"There was nothing left to be {undone}.", "info")
    for pid, why in refused.items():
        post = db.get(Post, pid)
        which = (
            f"“{excerpt(post.body)}”"
            if post is not None and post.workspace_id == acc.workspace.id
            else "A post"
        )
        flash(f"{which} was not {undone}: {why}", "error")
    return redirect(_next_url())


@dataclass
class QueueItem:
    """One post in the queue with what a reviewer needs to decide on it."""

    post: Post
    author: str
    channels: list[Channel]
    texts: list[tuple[str, str]]  # (channel names, the text as that channel will show it)
    too_long: list[str]
    previews: list[previews.Preview]
    impact: list[dict[str, Any]]
    can_approve: bool
    can_reject: bool
    fixes: list[dict[str, Any]] = field(default_factory=list)  # warnings it keeps away

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [w for w in self.impact if w.get("severity") == "block"]


def preview_images(media: Sequence[Media]) -> list[previews.PreviewImage]:
    """The post's images as the previews load them (the member's own links to the files)."""
    return [
        previews.PreviewImage(
            url=url_for("media.original", mid=m.id), alt=m.alt, width=m.width, height=m.height
        )
        for m in media
    ]


def _as_published(
    post: Post,
    channels: Sequence[Channel],
    workspace: Workspace,
    now: datetime,
    media: Sequence[Media] = (),
) -> tuple[list[tuple[str, str]], list[str], list[previews.Preview]]:
    """The text each channel will publish (links tagged), grouped where they agree, any
    length problems, and how each network will show the post."""
    by_text: dict[str, list[str]] = {}
    texts = outgoing.texts_for(
        post,
        channels,
        workspace=workspace,
        connectors=get_connectors(),
        now=now,
        images=len(media),
    )
    for sent in texts:
        by_text.setdefault(sent.composed, []).append(sent.channel.name)
    if not channels:
        by_text[post.body] = []
    too_long = [t.too_long for t in texts if t.too_long]
    grouped = [(", ".join(names), text) for text, names in by_text.items()]
    return grouped, too_long, previews.previews(texts, preview_images(media), card_for(post))


@bp.get("/review")
@with_access
def queue(acc: Access):
    db = get_session()
    channel_id = request.args.get("channel", type=int)
    author_id = request.args.get("author", type=int)
    posts = review.queue(
        session=db, workspace_id=acc.workspace.id, channel_id=channel_id, author_id=author_id
    )
    channels = {
        c.id: c for c in channel_service.list_channels(session=db, workspace_id=acc.workspace.id)
    }
    targets = post_service.channel_ids_for(session=db, post_ids=[p.id for p in posts])
    members = workspaces.members(session=db, workspace_id=acc.workspace.id)
    names = {u.id: u.display_name for u, _m in members}
    names.update(accounts.display_names(session=db, user_ids=(p.author_id for p in posts)))
    now = utcnow()
    # Posts that keep a warning away come first: approving them is the plan's quickest fix.
    fixing = {
        p.id: guardrail_suggestions.fixes(session=db, workspace=acc.workspace, post=p, now=now)
        for p in posts
    }
    posts = sorted(posts, key=lambda p: not fixing[p.id])
    media = media_for_posts(session=db, post_ids=[p.id for p in posts])
    items = []
    for post in posts:
        mine = [channels[i] for i in targets.get(post.id, []) if i in channels]
        texts, too_long, shown = _as_published(
            post, mine, acc.workspace, now, media.get(post.id, [])
        )
        items.append(
            QueueItem(
                post=post,
                author=names.get(post.author_id, "someone who left"),
                channels=mine,
                texts=texts,
                too_long=too_long,
                previews=shown,
                impact=guardrail_checks.impact_of_approval(
                    session=db, workspace=acc.workspace, post=post, now=now
                ),
                can_approve=review.may_approve(acc, post),
                can_reject=review.may_reject(acc, post),
                fixes=[w.to_dict() for w in fixing[post.id]],
            )
        )
    return render_template(
        "review/queue.html",
        items=items,
        media=media,
        channels=list(channels.values()),
        authors=[(u.id, u.display_name) for u, _m in members],
        channel_id=channel_id,
        author_id=author_id,
        expired=review.expired(session=db, workspace_id=acc.workspace.id),
        second_pair_of_eyes=review.second_pair_of_eyes(acc.workspace),
    )


@dataclass
class ReviewPanel:
    """What the post page shows about review: buttons the user may press, impact, discussion."""

    can_submit: bool
    can_approve: bool
    can_reject: bool
    impact: list[dict[str, Any]]
    overrides: list[dict[str, Any]]
    comments: list[Any]
    people: dict[int, str]
    own_post_blocked: bool = False
    series_drafts: int = 0  # drafts to come in the post's repeating series the user may submit

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [w for w in self.impact if w.get("severity") == "block"]


def review_context(acc: Access, post: Post, history: Sequence[Any]) -> dict[str, Any]:
    """Template values for the post page's review panel, comments and history in words."""
    db = get_session()
    notes = comments.for_post(session=db, post_id=post.id)
    impact = []
    if post.status in _REVIEWABLE and post.scheduled_at is not None and acc.can_review:
        impact = guardrail_checks.impact_of_approval(
            session=db, workspace=acc.workspace, post=post, now=utcnow()
        )
    overrides = []
    for event in history:
        if event.action == "guardrail_override":
            detail = json.loads(event.detail or "{}")
            overrides.append({"at": event.at, "actor_id": event.actor_id, **detail})
    people = accounts.display_names(
        session=db,
        user_ids=[*(e.actor_id for e in history), *(c.author_id for c in notes), post.author_id],
    )
    words = audit_words.vocabulary(
        session=db, workspace_id=acc.workspace.id, tz_name=acc.workspace.timezone, events=history
    )
    return {
        "worded": {e.id: audit_words.describe(e, words) for e in history},
        "review": ReviewPanel(
            can_submit=review.may_submit(acc, post),
            can_approve=review.may_approve(acc, post),
            can_reject=review.may_reject(acc, post),
            impact=impact,
            overrides=overrides,
            comments=notes,
            people=people,
            series_drafts=len(
                review_bulk.series_drafts(session=db, acc=acc, post=post, now=utcnow())
            )
            if review.may_submit(acc, post)
            else 0,
            own_post_blocked=(
                acc.can_review
                and post.status in review.MOVES["approve"]
                and not review.may_approve(acc, post)
            ),
        ),
    }
