"""Automated decision-making, including profiling (Art. 13(2)(f), Art. 22)."""

from __future__ import annotations

import attrs

from gdprcrm.model._checks import instance_of, optional_text, text

__all__ = ["AutomatedDecision"]


@attrs.frozen
class AutomatedDecision:
    """What a purpose decides automatically, and what it means for the person.

    ``solely_automated`` and ``significant`` together put the purpose under Art. 22(1):
    then only contract necessity, Union or member-state law, or explicit consent can
    allow it (Art. 22(2)), and a human review path is needed (Art. 22(3)).
    """

    logic: str = attrs.field(validator=text)
    significance: str = attrs.field(validator=text)
    solely_automated: bool = attrs.field(default=True, validator=instance_of(bool))
    significant: bool = attrs.field(default=False, validator=instance_of(bool))
    human_review: str | None = attrs.field(default=None, validator=optional_text)
    """How the subject obtains human intervention and contests the decision."""

    @property
    def under_article_22(self) -> bool:
        return self.solely_automated and self.significant
