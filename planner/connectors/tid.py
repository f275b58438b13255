"""AT Protocol timestamp identifiers (TIDs), the record keys planner chooses for Bluesky posts."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def new_tid(now: datetime, clock_id: int | None = None) -> str:
    """Return a timestamp identifier (TID): 13 sortable base32 characters.

    The value is microseconds since 1970 shifted left by 10 bits plus a random
    10-bit clock id, as the AT Protocol specifies for record keys.
    """
    micros = int(now.timestamp() * 1_000_000)
    clock = secrets.randbelow(1024) if clock_id is None else clock_id
    value = (micros << 10) | clock
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
