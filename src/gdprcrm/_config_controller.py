"""Who the controller is, from the declarations (private to the loader): its contacts,
DPO, representative, joint controllers and supervisory authority (Art. 13(1)(a)-(b),
30(1)(a)), each with its texts in other languages."""

from __future__ import annotations

import attrs

from gdprcrm._config_support import translations_of
from gdprcrm.model import Contact, ControllerInfo, SupervisoryAuthority

__all__ = ["ControllerDoc", "controller_info"]


@attrs.frozen
class _ContactDoc:
    name: str
    email: str | None = None
    address: str | None = None
    phone: str | None = None
    en: dict[str, str] | None = None
    fr: dict[str, str] | None = None


@attrs.frozen
class _AuthorityDoc:
    name: str
    url: str
    address: str | None = None
    en: dict[str, str] | None = None
    fr: dict[str, str] | None = None


@attrs.frozen
class ControllerDoc:
    id: str
    name: str
    contact: _ContactDoc
    supervisory_authority: _AuthorityDoc
    establishment: str = "FR"
    legal_timezone: str = "Europe/Paris"
    registration: str | None = None
    dpo: _ContactDoc | None = None
    representative: _ContactDoc | None = None
    joint_controllers: list[_ContactDoc] = attrs.Factory(list)
    privacy_policy_url: str | None = None


def _contact(doc: _ContactDoc | None) -> Contact | None:
    return None if doc is None else _contact_of(doc)


def _contact_of(doc: _ContactDoc) -> Contact:
    return Contact(doc.name, doc.email, doc.address, doc.phone, translations=translations_of(doc))


def controller_info(ctl: ControllerDoc) -> ControllerInfo:
    return ControllerInfo(
        id=ctl.id,
        name=ctl.name,
        contact=_contact_of(ctl.contact),
        supervisory_authority=SupervisoryAuthority(
            ctl.supervisory_authority.name,
            ctl.supervisory_authority.url,
            ctl.supervisory_authority.address,
            translations=translations_of(ctl.supervisory_authority),
        ),
        establishment=ctl.establishment,
        legal_timezone=ctl.legal_timezone,
        registration=ctl.registration,
        dpo=_contact(ctl.dpo),
        representative=_contact(ctl.representative),
        joint_controllers=tuple(filter(None, map(_contact, ctl.joint_controllers))),
        privacy_policy_url=ctl.privacy_policy_url,
    )
