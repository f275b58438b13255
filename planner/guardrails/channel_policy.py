"""A channel's own guardrails: inherit the workspace policy or replace it, and switch rules off."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.guardrails.policy import RULES, Policy, PolicyError

# What each rule's "off" empties: a rule with no limits finds nothing.
_OFF: dict[str, dict[str, Any]] = {
    "max_share": {"max_share": {}},
    "min_share": {"min_share": {}},
    "streak": {"streak": {}},
    "quiet_gap": {"quiet_gap_days": None},
}


@dataclass(frozen=True)
class ChannelPolicy:
    """How one channel is judged: the workspace's policy or its own, minus the rules it turns off.

    A newsletter of offers may switch ``max_share`` and ``streak`` off; an internal webhook
    ``quiet_gap``. ``policy`` is set exactly when the channel does not inherit.
    """

    inherit: bool = True
    policy: Policy | None = None
    off: tuple[str, ...] = ()

    @property
    def is_default(self) -> bool:
        """Tell whether the channel simply follows the workspace (nothing to store)."""
        return self.inherit and not self.off

    def resolve(self, workspace: Policy) -> Policy:
        """Return the policy that judges the channel, given the workspace's."""
        base = workspace if self.inherit or self.policy is None else self.policy
        changes: dict[str, Any] = {}
        for rule in self.off:
            changes.update(_OFF[rule])
        return base.with_changes(**changes) if changes else base

    @classmethod
    def from_dict(cls, data: object) -> ChannelPolicy:
        """Read ``{"inherit": true, "off": [...]}`` or a workspace-shaped policy with ``off``.

        Raises ``PolicyError`` naming the field at fault, as ``Policy.from_dict`` does.
        """
        if not isinstance(data, Mapping):
            raise PolicyError("policy", "must be a mapping of settings")
        rest = dict(data)
        inherit = rest.pop("inherit", False)
        if not isinstance(inherit, bool):
            raise PolicyError("inherit", "must be true or false")
        off = _rules_off(rest.pop("off", []))
        if inherit:
            if rest:
                raise PolicyError(sorted(rest)[0], "not allowed with inherit: true")
            return cls(inherit=True, off=off)
        return cls(inherit=False, policy=Policy.from_dict(rest), off=off)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form ``from_dict`` reads back: inherit, off and, if its own, the policy."""
        own = {} if self.inherit or self.policy is None else self.policy.to_dict()
        return {"inherit": self.inherit, "off": list(self.off), **own}


def _rules_off(value: object) -> tuple[str, ...]:
    """Validate the list of rules switched off, returning them in rule order without repeats."""
    if not isinstance(value, list | tuple):
        raise PolicyError("off", f"must be a list of rules from {', '.join(RULES)}")
    for rule in value:
        if rule not in RULES:
            raise PolicyError("off", f"unknown rule {rule!r}; expected some of {', '.join(RULES)}")
    return tuple(rule for rule in RULES if rule in value)


INHERIT = ChannelPolicy()
