"""Benchmark: one ``planner worker`` draining 1,000 due deliveries to the OAuth networks' fakes.

Run as ``python bench/networks.py``; prints a markdown table. The deliveries are spread evenly
over a Facebook Page, its Instagram account, a Threads profile, a LinkedIn page and a Google
Business location, each a loopback fake (tests/fakes) reached through PLANNER_HOST_OVERRIDES, as
in the tests. Every Instagram post carries a JPEG, which Instagram fetches by a signed link from
planner's own web app (served here on loopback, as PLANNER_BASE_URL). Uses the harness of
``bench/publish.py``.

1. Bursts of 1,000 deliveries due at once, drained by the same worker in turns: the webhook,
   then three times the five networks followed by the webhook again. Time to drain, deliveries
   per second and the worker's CPU time per delivery, the median turn of each compared.
   Measuring the webhook in the same run makes the comparison fair on a machine whose load
   varies (Threads makes four requests per post: container, publish, permalink, and the
   daily quota once in a while).
2. Duplicates on the fakes (the same post made twice), and the worker's peak memory.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import json
import logging
import os
import resource
import signal
import statistics
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlmodel import Session
from werkzeug.serving import make_server

from bench.publish import Bench, report, wait_for
from planner.connectors.tokens import iso
from planner.connectors_app import get_connectors
from planner.media.settings import limits_from_config
from planner.media_app import get_media_storage
from planner.models import Channel, ChannelStatus
from planner.services import accounts, media, workspaces
from planner.timeutils import utcnow
from tests.fakes import FakeGoogleBusiness, FakeLinkedIn, FakeMeta, FakeThreads, FakeWebhook
from tests.fakes.images import jpeg
from tests.fakes.meta import APP_ID, APP_SECRET

BURST = 1000
ROUNDS = 3  # networks bursts, each between two webhook bursts
TARGET_RATE = 100.0  # the outbox/webhook figure in docs/benchmarks.md


def connect(bench: Bench, fakes: dict[str, Any]) -> tuple[int, int, dict[str, int], int]:
    """Create the owner, the workspace, one channel per network as the OAuth picks do, and the
    photo every Instagram post carries; return the ids."""
    now = utcnow()
    threads, linkedin, google = fakes["threads"], fakes["linkedin"], fakes["google_business"]
    page = fakes["meta"].page("1001")
    access, refresh = google.tokens()
    configs = {
        "webhook": {"url": fakes["webhook"].url_for("generic"), "format": "generic"},
        "facebook": {"page_id": page.id, "page_name": page.name, "access_token": page.token},
        "instagram": {
            "ig_user_id": page.ig_id,
            "username": "bench",
            "access_token": page.token,
        },
        "threads": {
            "user_id": threads.user_id,
            "username": threads.username,
            "access_token": threads.long_lived_token(),
        },
        "linkedin": {
            "author_urn": linkedin.organization,
            "name": linkedin.organization_name,
            "access_token": linkedin.token("w_organization_social,r_organization_social"),
        },
        "google_business": {
            "account": google.account,
            "location": "locations/4321",
            "refresh_token": refresh,
            "access_token": access,
            "expires_at": iso(now + timedelta(minutes=50)),
        },
    }
    connectors = get_connectors(bench.app)
    with Session(bench.engine, expire_on_commit=False) as session:
        user = accounts.create_user(
            session=session,
            email="bench@example.com",
            password="bench-password",
            now=now,
            password_method="pbkdf2:sha256:1000",
        )
        ws = workspaces.create_workspace(
            session=session, owner=user, name="Bench", timezone="UTC", now=now
        )
        ids = {}
        for platform, config in configs.items():
            cls = connectors.platform(platform)
            cleaned = cls.validate_config(config)
            channel = Channel(
                workspace_id=ws.id,
                name=platform,
                platform=platform,
                config={k: v for k, v in cleaned.items() if k not in cls.secret_fields},
                secrets=connectors.box.seal(
                    {k: v for k, v in cleaned.items() if k in cls.secret_fields}
                ),
                status=ChannelStatus.OK,
                created_at=now,
            )
            session.add(channel)
            session.flush()
            ids[platform] = channel.id
        photo = media.upload(
            session=session,
            acc=workspaces.access(session=session, user=user, workspace_id=ws.id),
            storage=get_media_storage(bench.app),
            data=jpeg(1080, 1080),
            filename="bench.jpg",
            alt="A benchmark photo",
            limits=limits_from_config(bench.app.config),
            now=now,
        )
        session.commit()
        return ws.id, user.id, ids, photo.id


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drain(
    bench: Bench,
    worker: Any,
    log: Path,
    ids: list[tuple[int, int, int]],
    images: dict[int, list[int]] | None = None,
    *,
    label: str,
) -> tuple[float, float]:
    """Queue BURST due deliveries spread over *ids* (posts to a channel in *images* carry those
    images); return seconds to drain and worker CPU."""
    due = utcnow() - timedelta(milliseconds=1)
    cpu = cpu_seconds(worker.pid)
    for index, target in enumerate(ids):
        share = BURST // len(ids) + (1 if index < BURST % len(ids) else 0)
        bench.queue(target, [due] * share, (images or {}).get(target[2], []), label=label)
    return wait_for(lambda: bench.unfinished() == 0, 600, log), cpu_seconds(worker.pid) - cpu


def run(folder: Path, database_url: str | None) -> list[tuple[str, str, str]]:
    log = folder / "worker.log"
    # Threads and Instagram allow 250 and 50 posts a day; the bench's accounts may make them all.
    with (
        FakeMeta() as meta,
        FakeThreads(quota_total=BURST) as threads,
        FakeLinkedIn() as linkedin,
        FakeGoogleBusiness() as google,
        FakeWebhook() as webhook,
    ):
        meta.quota_total = BURST
        fakes = {"threads": threads, "linkedin": linkedin, "google_business": google}
        overrides: dict[str, str] = {"graph.facebook.com": meta.url}
        for fake in fakes.values():
            overrides |= fake.overrides
        bench = Bench(folder, database_url)
        # planner's web app on loopback, so that Instagram can fetch the signed image links.
        web = make_server("127.0.0.1", 0, bench.app, threaded=True)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per image fetched
        threading.Thread(target=web.serve_forever, daemon=True).start()
        os.environ.update(
            PLANNER_BASE_URL=f"http://127.0.0.1:{web.server_port}",
            PLANNER_HOST_OVERRIDES=json.dumps(overrides),
            PLANNER_FACEBOOK_CLIENT_ID=APP_ID,
            PLANNER_FACEBOOK_CLIENT_SECRET=APP_SECRET,
            PLANNER_THREADS_CLIENT_ID=threads.desk.client_id,
            PLANNER_THREADS_CLIENT_SECRET=threads.desk.client_secret,
            PLANNER_LINKEDIN_CLIENT_ID=linkedin.desk.client_id,
            PLANNER_LINKEDIN_CLIENT_SECRET=linkedin.desk.client_secret,
            PLANNER_GOOGLE_CLIENT_ID=google.desk.client_id,
            PLANNER_GOOGLE_CLIENT_SECRET=google.desk.client_secret,
        )
        workspace_id, user_id, channels, photo = connect(
            bench, {**fakes, "meta": meta, "webhook": webhook}
        )
        worker = bench.start_worker(log)
        wait_for(lambda: "publishing worker started" in log.read_text(), 30, log)

        hook_ids = [(workspace_id, user_id, channels.pop("webhook"))]
        network_ids = [(workspace_id, user_id, channel) for channel in channels.values()]
        # Webhook and networks take turns, starting and ending with the webhook, so neither
        # gains from coming first (a cold worker) or last (a fuller database); the medians of
        # the turns are compared, as this VM's speed drifts from one burst to the next.
        images = {channels["instagram"]: [photo]}
        hook_runs = [drain(bench, worker, log, hook_ids, label="h0 ")]
        net_runs = []
        for turn in range(1, ROUNDS + 1):
            net_runs.append(drain(bench, worker, log, network_ids, images, label=f"n{turn} "))
            hook_runs.append(drain(bench, worker, log, hook_ids, label=f"h{turn} "))
        hook_time = statistics.median(t for t, _ in hook_runs)
        net_time = statistics.median(t for t, _ in net_runs)
        hook_cpu = statistics.median(c for _, c in hook_runs)
        net_cpu = statistics.median(c for _, c in net_runs)

        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=60)
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        web.shutdown()
        made = {
            "facebook": Counter(post.get("message") for post in meta.posts),
            "instagram": Counter(item.get("caption") for item in meta.ig_media),
        }
        made |= {
            name: Counter(post.get("text") or post.get("summary") for post in fake.posts)
            for name, fake in fakes.items()
        }
        hooked = Counter(m["json"]["delivery_id"] for m in webhook.posts)
    statuses = bench.statuses()
    duplicates = sum(n - 1 for counts in made.values() for n in counts.values() if n > 1)
    duplicates += sum(n - 1 for n in hooked.values() if n > 1)
    rate, hook_rate = BURST / net_time, BURST / hook_time  # medians of the turns
    expected = Counter({"published": (2 * ROUNDS + 1) * BURST})
    ok = "yes" if statuses == expected else f"no: {dict(statuses)}"
    spread = ", ".join(f"{name} {sum(counts.values())}" for name, counts in made.items())
    return [
        ("database", bench.engine.dialect.name, ""),
        ("posts made per network", spread, ""),
        (
            f"webhook: time to drain {BURST} due at once, {len(hook_runs)} turns",
            " / ".join(f"{t:.2f} s" for t, _ in hook_runs),
            "",
        ),
        (
            f"networks: time to drain {BURST} due at once, {len(net_runs)} turns",
            " / ".join(f"{t:.2f} s" for t, _ in net_runs),
            "",
        ),
        ("webhook: deliveries per second (median turn)", f"{hook_rate:.0f}", ""),
        ("webhook: worker CPU per delivery", f"{hook_cpu / BURST * 1000:.1f} ms", ""),
        ("networks: deliveries per second (median turn)", f"{rate:.0f}", f">= {TARGET_RATE:.0f}"),
        ("networks: worker CPU per delivery", f"{net_cpu / BURST * 1000:.1f} ms", ""),
        ("networks / webhook rate, same run", f"{rate / hook_rate:.2f}", ">= 1.00"),
        ("duplicates on the fakes", str(duplicates), "0"),
        ("all published", ok, "yes"),
        ("worker peak memory (max RSS)", f"{rss_mb:.0f} MB", "< 150 MB"),
        ("worker exit code after SIGTERM", str(code), "0"),
    ]


def main() -> None:
    report(run)


if __name__ == "__main__":
    main()
