"""The declarations as a person reading another language sees them (Art. 12(1)): every
text shown to people taken from the objects' ``translations``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from gdprcrm.model import Contact, ControllerInfo, Declarations
from gdprcrm.model.translation import text_in

__all__ = ["localized"]


def _translated(
    obj: Any,
    names: Iterable[str],
    lang: str,
    base: str,
    missing: list[str] | None = None,
    where: str = "",
) -> Any:
    """``obj`` with the texts it has in ``lang``; the others stay as declared and, when
    ``missing`` is given, are listed there as ``<where>.<name>``."""
    changes = {}
    for name in names:
        if getattr(obj, name, None) in (None, ""):
            continue
        text = text_in(obj, name, lang, base)
        if text is not None:
            changes[name] = text
        elif missing is not None:
            missing.append(f"{where}.{name}")
    return attrs.evolve(obj, **changes) if changes else obj


def _controller(decl: Declarations, lang: str) -> ControllerInfo:
    """The controller's contacts and authority in ``lang``; names of services and
    authorities are often proper names: an untranslated one is not reported missing."""
    base, ctl = decl.language, decl.controller

    def contact(c: Contact) -> Contact:
        translated: Contact = _translated(c, ("name", "address"), lang, base)
        return translated

    return attrs.evolve(
        ctl,
        contact=contact(ctl.contact),
        dpo=None if ctl.dpo is None else contact(ctl.dpo),
        representative=None if ctl.representative is None else contact(ctl.representative),
        joint_controllers=tuple(contact(j) for j in ctl.joint_controllers),
        supervisory_authority=_translated(ctl.supervisory_authority, ("name",), lang, base),
    )


_PURPOSE_TEXTS = ("name", "description", "legitimate_interests", "provision_consequences")


def localized(decl: Declarations, lang: str) -> tuple[Declarations, tuple[str, ...]]:
    """``decl`` with every text shown to people in ``lang`` (from the objects'
    ``translations``), and the texts that have none there (left as declared)."""
    base = decl.language
    if lang == base:
        return decl, ()
    missing: list[str] = []

    def tr(obj: Any, names: Iterable[str], where: str) -> Any:
        return _translated(obj, names, lang, base, missing, where)

    purposes = []
    for p in decl.purposes:
        recipients = tuple(tr(r, ("name", "category"), f"recipients.{r.id}") for r in p.recipients)
        transfers = tuple(
            tr(x, ("reference",), f"purposes.{p.id}.transfers[{i}]")
            for i, x in enumerate(p.transfers)
        )
        shown = tr(p, _PURPOSE_TEXTS, f"purposes.{p.id}")
        purposes.append(attrs.evolve(shown, recipients=recipients, transfers=transfers))
    records = tuple(tr(k, ("name", "description"), f"records.{k.id}") for k in decl.records)
    view = attrs.evolve(
        decl, purposes=tuple(purposes), records=records, controller=_controller(decl, lang)
    )
    return view, tuple(dict.fromkeys(missing))
