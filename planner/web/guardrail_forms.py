"""The form of a channel's own guardrails: the workspace policy form plus inherit and rules off."""

from __future__ import annotations

from wtforms import BooleanField, RadioField

from planner.web.forms_support import choices
from planner.web.policy_form import PolicyForm

RULE_LABELS = {
    "max_share": "Too large a share",
    "min_share": "Too small a share",
    "streak": "Too many in a row",
    "quiet_gap": "Channel goes quiet",
}


class ChannelPolicyForm(PolicyForm):
    """A channel follows the workspace or has its own numbers, and may switch single rules off."""

    inherit = RadioField(
        "This channel",
        choices=choices(
            [
                ("inherit", "Follows the workspace's guardrails"),
                ("own", "Has its own guardrails (the numbers below)"),
            ]
        ),
        default="inherit",
    )


for _rule, _label in RULE_LABELS.items():
    setattr(ChannelPolicyForm, f"off_{_rule}", BooleanField(f"Switch off: {_label.lower()}"))
