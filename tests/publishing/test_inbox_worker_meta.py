"""The inbox job with a Facebook Page: a comment reaches the inbox, and its answer goes out once."""

from __future__ import annotations

from planner.models import Channel
from planner.publishing import inbox_poll
from planner.services import inbox
from planner.timeutils import utcnow
from tests.factories import access_of
from tests.fakes.meta import FakeMeta
from tests.publishing.conftest import Desk
from tests.publishing.test_inbox_worker import answers, items, later


def test_a_facebook_comment_reaches_the_inbox_and_a_lost_answer_goes_out_once(
    desk: Desk, fake_meta: FakeMeta, page: Channel
) -> None:
    post = desk.approved_post([page], at=utcnow(), body="Fresh rye today")
    assert desk.tick(utcnow()) == 1
    [published] = fake_meta.posts
    theirs = fake_meta.add_comment(published["id"], "Open on Sunday?", name="Alice Example")

    [look] = inbox_poll.tick(desk.app, now=later())

    assert look.stored == 1 and look.error is None
    [item] = items(desk)
    assert (item.kind, item.post_id, item.text) == ("reply", post.id, "Open on Sunday?")
    assert (item.author_name, item.url) == ("Alice Example", theirs["permalink_url"])
    inbox.answer(
        session=desk.session,
        acc=access_of(desk.member),
        item_id=item.id,
        body="Yes, 9 to 1!",
        connectors=desk.app.extensions["planner.connectors"],
        now=later(),
    )
    desk.session.commit()
    fake_meta.reset_next(path="/comments", method="POST", landed=True)

    desk.tick(later())
    [lost] = answers(desk)
    assert (lost.status, lost.attempts) == ("retrying", 1)
    desk.tick(later(5))

    [answer] = fake_meta.comments_under(theirs["id"])
    assert answer["author"]["id"] == "1001" and answer["text"] == "Yes, 9 to 1!"
    [sent] = answers(desk)
    assert (sent.status, sent.attempts, sent.external_id) == ("published", 2, answer["id"])
    [done] = items(desk)
    assert done.status == "done" and done.answer_url == answer["permalink_url"]

    # The Page's answer is under the post too, but a later look does not list it.
    inbox_poll.tick(desk.app, now=later(60))
    assert len(items(desk)) == 1
