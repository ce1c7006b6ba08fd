"""Who the controller is (Art. 13(1)(a)-(b), Art. 30(1)(a))."""

from __future__ import annotations

import urllib.parse
import zoneinfo
from typing import Any

import attrs

from gdprcrm.errors import InvalidInput
from gdprcrm.model._checks import as_tuple, instance_of, optional_text, slug, text, tuple_of
from gdprcrm.model.jurisdiction import normalise_state
from gdprcrm.model.translation import Translations, check_translations, to_translations

__all__ = ["Contact", "ControllerInfo", "SupervisoryAuthority"]


def _contact_texts(instance: object, attribute: object, value: object) -> None:
    check_translations("Contact", value, ("name", "address"))


def _authority_texts(instance: object, attribute: object, value: object) -> None:
    check_translations("SupervisoryAuthority", value, ("name",))


@attrs.frozen
class Contact:
    """A published contact point (a role, not a private person's details)."""

    name: str = attrs.field(validator=text)
    email: str | None = attrs.field(default=None, validator=optional_text)
    address: str | None = attrs.field(default=None, validator=optional_text)
    phone: str | None = attrs.field(default=None, validator=optional_text)
    translations: Translations = attrs.field(
        default=(), converter=to_translations, validator=_contact_texts, kw_only=True
    )
    """Its name and address in other languages (``{"en": {"name": "Customer
    service"}}``): shown in a notice or report in that language."""

    def __attrs_post_init__(self) -> None:
        if self.email is None and self.address is None and self.phone is None:
            raise InvalidInput(f"Contact {self.name!r}: give at least one way to reach it")


@attrs.frozen
class SupervisoryAuthority:
    """The authority a person can complain to (Art. 77), e.g. the CNIL."""

    name: str = attrs.field(validator=text)
    url: str = attrs.field(validator=text)
    address: str | None = attrs.field(default=None, validator=optional_text)
    translations: Translations = attrs.field(
        default=(), converter=to_translations, validator=_authority_texts, kw_only=True
    )
    """Its name in other languages."""


def _timezone(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"ControllerInfo.legal_timezone: unknown time zone {value!r}") from None


def _web_address(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    parsed = urllib.parse.urlsplit(str(value))
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in str(value):
        raise InvalidInput(
            f"ControllerInfo.{attribute.name}: an absolute http(s) address such as "
            "'https://example.fr/privacy'"
        )


def _state(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    normalise_state(value)


@attrs.frozen
class ControllerInfo:
    """The controller's identity: what Art. 13(1)(a)-(b) and Art. 30(1)(a) publish.

    ``legal_timezone`` is the zone in which statutory deadlines are counted (the calendar
    date of receipt of a request is the controller's, not UTC's).
    """

    id: str = attrs.field(validator=slug)
    name: str = attrs.field(validator=text)
    contact: Contact = attrs.field(validator=instance_of(Contact))
    supervisory_authority: SupervisoryAuthority = attrs.field(
        validator=instance_of(SupervisoryAuthority)
    )
    establishment: str = attrs.field(default="FR", converter=normalise_state, validator=_state)
    legal_timezone: str = attrs.field(default="Europe/Paris", validator=_timezone)
    registration: str | None = attrs.field(default=None, validator=optional_text)
    """Company registration (e.g. SIREN / RCS number)."""
    dpo: Contact | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(Contact))
    )
    representative: Contact | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(Contact))
    )
    """Art. 27 representative, for controllers established outside the Union."""
    joint_controllers: tuple[Contact, ...] = attrs.field(
        default=(), converter=as_tuple, validator=tuple_of(Contact)
    )
    privacy_policy_url: str | None = attrs.field(
        default=None, validator=[optional_text, _web_address]
    )
    """Where the full privacy policy is published (an absolute http(s) URL); consent
    receipts need it (Kantara ``policyUrl``)."""
