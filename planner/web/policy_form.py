"""The guardrail policy form: a preset, or a share, a floor and a streak per category.

Its per-category fields are added in a loop, so a new category gets its fields without an
edit here; ``planner.web.forms`` re-exports it with the other forms.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from planner.models import Category
from planner.web.forms_support import choices


class PolicyForm(FlaskForm):
    """The guardrail policy: a preset, or custom numbers per category, and each rule's severity."""

    preset = SelectField(
        "Preset",
        choices=choices(
            [
                ("80-20", "80/20: at most 1 post in 5 sells"),
                ("thirds", "Rule of thirds: a third promotion, at least a quarter conversation"),
                ("custom", "Custom numbers"),
            ]
        ),
    )
    quiet_gap_days = IntegerField(
        "Warn when a channel goes quiet for more than (days)",
        validators=[Optional(), NumberRange(min=0, max=365)],
    )


for _cat in Category:
    _name = _cat.value.capitalize()
    for _bound, _words in (("max", "at most"), ("min", "at least")):
        setattr(
            PolicyForm,
            f"{_bound}_{_cat.value}",
            DecimalField(
                f"{_name}: {_words} (%)",
                places=None,
                validators=[Optional(), NumberRange(min=0, max=100)],
            ),
        )
    setattr(
        PolicyForm,
        f"streak_{_cat.value}",
        IntegerField(
            f"{_name}: at most in a row",
            validators=[Optional(), NumberRange(min=1, max=100)],
        ),
    )
for _rule, _label in (
    ("max_share", "Too large a share"),
    ("min_share", "Too small a share"),
    ("streak", "Too many in a row"),
    ("quiet_gap", "Channel goes quiet"),
):
    setattr(
        PolicyForm,
        f"severity_{_rule}",
        SelectField(
            _label, choices=choices([("warn", "Warn"), ("block", "Block approval")]), default="warn"
        ),
    )
