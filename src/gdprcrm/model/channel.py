"""The channels a controller reaches people through, and who they are reached as.

The ePrivacy Directive (2002/58/EC art. 13) and national law (in France, the CPCE
L34-5 and the Code de la consommation L223-1) set different rules per channel and per
audience: an e-mail to a consumer needs prior consent, a letter only respect of an
objection. :mod:`gdprcrm.model.marketing` holds those rules as data.
"""

from __future__ import annotations

import enum

from gdprcrm.model.field import Lookup

__all__ = ["CONTACT_CATEGORIES", "Audience", "Channel"]


class Channel(enum.Enum):
    """A means of sending a message to a person."""

    EMAIL = "email"
    SMS = "sms"  # SMS, MMS, instant messages to a number: "electronic mail" (2002/58 art. 2(h))
    PHONE_CALL = "phone-call"  # a call by a person
    AUTOMATED_CALL = "automated-call"  # an automated calling system, no human (art. 13(1))
    FAX = "fax"
    POST = "post"

    @property
    def electronic(self) -> bool:
        """An electronic message (e-mail, SMS): Directive 2002/58/EC art. 13(1)-(2)."""
        return self in (Channel.EMAIL, Channel.SMS)

    @property
    def lookup(self) -> Lookup | None:
        """The kind of contact point the channel reaches (None for post: an address)."""
        if self is Channel.EMAIL:
            return Lookup.EMAIL
        if self is Channel.POST:
            return None
        return Lookup.PHONE

    @property
    def category(self) -> str:
        """The data category key of the contact points it reaches."""
        return CONTACT_CATEGORIES[self]


CONTACT_CATEGORIES: dict[Channel, str] = {
    Channel.EMAIL: "contact.email",
    Channel.SMS: "contact.phone",
    Channel.PHONE_CALL: "contact.phone",
    Channel.AUTOMATED_CALL: "contact.phone",
    Channel.FAX: "contact.phone",
    Channel.POST: "contact.postal_address",
}
"""A field of this category (or with the channel's lookup kind) is a contact point of
the channel."""


class Audience(enum.Enum):
    """Whom a direct-marketing purpose addresses (the B2C / B2B difference).

    ``PROFESSIONAL``: people reached at their professional contact points about their
    professional activity (CNIL: e-mail to them is allowed unless they object).
    """

    CONSUMER = "consumer"
    PROFESSIONAL = "professional"
