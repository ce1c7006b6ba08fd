"""The text of a refusal to act on a request (Art. 12(4)), in French or English.

Art. 12(4): the controller tells the person, within one month, why it does not act,
and that they may lodge a complaint with a supervisory authority (Art. 77) and seek a
judicial remedy (Art. 79). The reasons are the controller's; the rest is rendered here.
"""

from __future__ import annotations

from gdprcrm.errors import InvalidInput
from gdprcrm.model import SupervisoryAuthority
from gdprcrm.model._checks import shown

__all__ = ["REFUSAL_LANGUAGES", "refusal_text"]

_TEMPLATES = {
    "fr": (
        "{reasons} Vous pouvez introduire une réclamation auprès de l'autorité de contrôle, "
        "{authority} ({url}), "
        "et former un recours juridictionnel (art. 12(4), 77 et 79 du RGPD)."
    ),
    "en": (
        "{reasons} You may lodge a complaint with {authority} ({url}) and seek a "
        "judicial remedy (GDPR Art. 12(4), 77 and 79)."
    ),
}

REFUSAL_LANGUAGES = frozenset(_TEMPLATES)


def refusal_text(reasons: str, authority: SupervisoryAuthority, language: str = "fr") -> str:
    """The outcome of a refused request: its reasons, then the remedies (Art. 12(4))."""
    if not isinstance(reasons, str) or not reasons.strip():
        raise InvalidInput("Art. 12(4): a refusal must give its reasons")
    template = _TEMPLATES.get(language) if isinstance(language, str) else None
    if template is None:
        raise InvalidInput(f"refusal language {shown(language)}: one of {sorted(_TEMPLATES)}")
    return template.format(reasons=reasons.strip(), authority=authority.name, url=authority.url)
