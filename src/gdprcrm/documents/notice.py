"""The privacy notice (Art. 13, and Art. 14 for data not obtained from the person).

Built from the same declarations as the register, in French or English, rendered as
Markdown, HTML or JSON. :func:`required_items` says which items of Art. 13/14 the
declarations call for (legitimate interests only if 6(1)(f) is used, withdrawal only
if consent is, ...); :func:`validate_notice` refuses a notice that lacks one.

``Notice.version`` identifies the declared content (the same in both languages): it
changes if and only if the declarations change. :func:`compare_notices` tells which
purposes changed *materially*, so the consents given for them under the old version
are known to need renewal (Art. 4(11), 7(1)).
"""

from __future__ import annotations

import enum
import hashlib
import html
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import attrs

from gdprcrm.config import declarations_digest
from gdprcrm.documents.localized import localized
from gdprcrm.documents.notice_texts import TEXTS, period_en, record_period_en
from gdprcrm.documents.register import category_fr, period_fr, record_period_fr
from gdprcrm.errors import IncompleteNotice, InvalidInput
from gdprcrm.model import (
    Channel,
    Contact,
    DataSource,
    Declarations,
    LegalBasis,
    Purpose,
    Right,
    material_digest,
)
from gdprcrm.model._checks import shown
from gdprcrm.policy.rights import right_applies

__all__ = [
    "IncompleteNotice",
    "Notice",
    "NoticeChanges",
    "NoticeItem",
    "NoticeSection",
    "build_notice",
    "compare_notices",
    "required_items",
    "validate_notice",
]


class NoticeItem(enum.Enum):
    """The items of Art. 13 and 14, by provision."""

    CONTROLLER = "13(1)(a)"
    DPO = "13(1)(b)"
    PURPOSES = "13(1)(c)"
    LEGITIMATE_INTERESTS = "13(1)(d)"
    RECIPIENTS = "13(1)(e)"
    TRANSFERS = "13(1)(f)"
    RETENTION = "13(2)(a)"
    RIGHTS = "13(2)(b)"
    WITHDRAWAL = "13(2)(c)"
    COMPLAINT = "13(2)(d)"
    PROVISION = "13(2)(e)"
    AUTOMATED = "13(2)(f)"
    CATEGORIES = "14(1)(d)"
    SOURCE = "14(2)(f)"


@attrs.frozen
class NoticeSection:
    item: NoticeItem
    title: str
    paragraphs: tuple[str, ...]


@attrs.frozen
class Notice:
    """A rendered-ready privacy notice."""

    language: str
    title: str
    version: str
    indirect: bool
    sections: tuple[NoticeSection, ...]
    updated_on: date | None = None
    """The publication date of the declared notice version it renders."""
    missing_translations: tuple[str, ...] = ()
    """Declared texts with no version in this language (shown in the declarations'
    language instead): :func:`validate_notice` refuses such a notice."""

    def _heading(self) -> list[str]:
        t = TEXTS[self.language]
        lines = [t["version"].format(self.version)]
        if self.updated_on is not None:
            lines.append(t["updated"].format(self.updated_on))
        return lines

    def section(self, item: NoticeItem) -> NoticeSection | None:
        return next((s for s in self.sections if s.item is item), None)

    @property
    def text_hash(self) -> str:
        """A hash of the exact wording (changes with the language or any word)."""
        return "sha256:" + hashlib.sha256(self.to_json().encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, object]:
        return {
            "type": "gdprcrm.privacy-notice",
            "language": self.language,
            "title": self.title,
            "version": self.version,
            "updated_on": None if self.updated_on is None else self.updated_on.isoformat(),
            "indirect": self.indirect,
            "sections": [
                {"item": s.item.value, "title": s.title, "paragraphs": list(s.paragraphs)}
                for s in self.sections
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_markdown(self) -> str:
        lines = [f"# {self.title}", "", " ".join(self._heading())]
        for s in self.sections:
            lines += ["", f"## {s.title}"]
            previous_bullet = False
            for paragraph in s.paragraphs:
                bullet = paragraph.startswith("- ")
                if not (bullet and previous_bullet):
                    lines.append("")
                lines.append(paragraph)
                previous_bullet = bullet
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        e = html.escape
        out = [
            "<!doctype html>",
            f'<html lang="{e(self.language)}">',
            '<head><meta charset="utf-8">',
            f"<title>{e(self.title)}</title></head>",
            "<body>",
            f"<h1>{e(self.title)}</h1>",
            f"<p><small>{e(' '.join(self._heading()))}</small></p>",
        ]
        for s in self.sections:
            out.append(f'<section data-item="{e(s.item.value)}">')
            out.append(f"<h2>{e(s.title)}</h2>")
            bullets = [p[2:] for p in s.paragraphs if p.startswith("- ")]
            for p in s.paragraphs:
                if not p.startswith("- "):
                    out.append(f"<p>{e(p)}</p>")
            if bullets:
                out.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in bullets) + "</ul>")
            out.append("</section>")
        out += ["</body>", "</html>"]
        return "\n".join(out) + "\n"


def required_items(decl: Declarations, *, indirect: bool = False) -> frozenset[NoticeItem]:
    """The items Art. 13 (or 14, when ``indirect``) requires for these declarations."""
    items = {
        NoticeItem.CONTROLLER,
        NoticeItem.PURPOSES,
        NoticeItem.RETENTION,
        NoticeItem.RIGHTS,
        NoticeItem.COMPLAINT,
    }
    bases = {p.basis for p in decl.purposes}
    if decl.controller.dpo is not None:
        items.add(NoticeItem.DPO)
    if LegalBasis.LEGITIMATE_INTERESTS in bases:
        items.add(NoticeItem.LEGITIMATE_INTERESTS)
    if any(p.recipients for p in decl.purposes):
        items.add(NoticeItem.RECIPIENTS)
    if any(p.transfers for p in decl.purposes):
        items.add(NoticeItem.TRANSFERS)
    if LegalBasis.CONSENT in bases:
        items.add(NoticeItem.WITHDRAWAL)
    if any(p.automated_decision is not None for p in decl.purposes):
        items.add(NoticeItem.AUTOMATED)
    if indirect:  # Art. 14: categories and source; 13(2)(e) does not apply
        items |= {NoticeItem.CATEGORIES, NoticeItem.SOURCE}
    else:
        items.add(NoticeItem.PROVISION)
    return frozenset(items)


def validate_notice(notice: Notice, decl: Declarations) -> None:
    """Raise IncompleteNotice naming every required item the notice lacks."""
    present = {s.item for s in notice.sections if any(p.strip() for p in s.paragraphs)}
    missing = sorted(
        required_items(decl, indirect=notice.indirect) - present, key=lambda i: i.value
    )
    if missing:
        raise IncompleteNotice(
            "privacy notice lacks "
            + ", ".join(f"Art. {i.value} ({i.name.lower()})" for i in missing)
        )
    if notice.missing_translations:  # Art. 12(1): in a language the person reads
        raise IncompleteNotice(
            f"privacy notice in {notice.language!r} lacks the translation of "
            + ", ".join(notice.missing_translations)
            + f" (declare them under [<table>.{notice.language}])"
        )


def _contact_text(c: Contact) -> str:
    return ", ".join([c.name] + [x for x in (c.email, c.phone, c.address) if x])


def _rights_text(purposes: Iterable[Purpose], lang: str) -> list[str]:
    t = TEXTS[lang]
    names: dict[str, str] = t["rights_names"]
    lines = []
    for right in (Right.ERASURE, Right.PORTABILITY, Right.OBJECTION):
        applies = [p.name for p in purposes if right_applies(p, right)]
        if applies:
            lines.append(t["right_item"].format(names[right.value], ", ".join(applies)))
    return lines


def build_notice(
    decl: Declarations,
    lang: str = "fr",
    *,
    indirect: bool = False,
    sources: Iterable[DataSource] = (),
) -> Notice:
    """The privacy notice of ``decl`` in ``lang`` ("fr" or "en").

    ``indirect`` gives the Art. 14 notice, for data not obtained from the person;
    ``sources`` names where such data comes from (Art. 14(2)(f)).
    """
    if not isinstance(lang, str) or lang not in TEXTS:
        raise InvalidInput(f"notice language {shown(lang)}: 'fr' and 'en' are available")
    t = TEXTS[lang]
    version = declarations_digest(decl)  # the same in every language
    updated = decl.notices[-1].published_at.date() if decl.notices else None
    decl, untranslated = localized(decl, lang)
    sections = [
        *_identity(decl, t),  # 13(1)(a)-(b)
        *_purposes(decl, t),  # 13(1)(c)-(d)
        *_recipients(decl, t, lang),  # 13(1)(e)-(f)
        _retention(decl, t, lang),  # 13(2)(a)
        *_rights(decl, t, lang),  # 13(2)(b)-(d)
        *([] if indirect else [_provision(decl, t, lang)]),  # 13(2)(e)
        _automated(decl, t),  # 13(2)(f)
        *(_indirect(decl, t, lang, sources) if indirect else []),  # 14(1)(d), 14(2)(f)
    ]
    return Notice(
        lang,
        t["title"].format(decl.controller.name),
        version,
        indirect,
        tuple(sections),
        updated,
        untranslated,
    )


def _section(item: NoticeItem, title: str, paragraphs: Iterable[str]) -> NoticeSection:
    return NoticeSection(item, title, tuple(paragraphs))


def _identity(decl: Declarations, t: dict[str, Any]) -> list[NoticeSection]:
    info = decl.controller
    who = [
        t["controller_text"].format(
            info.name + (f" ({info.registration})" if info.registration else "")
        ),
        t["contact"].format(_contact_text(info.contact)),
    ]
    if info.representative is not None:
        who.append(t["representative"].format(_contact_text(info.representative)))
    out = [_section(NoticeItem.CONTROLLER, t["controller"], who)]
    if info.dpo is not None:
        out.append(
            _section(NoticeItem.DPO, t["dpo"], [t["dpo_text"].format(_contact_text(info.dpo))])
        )
    return out


def _purposes(decl: Declarations, t: dict[str, Any]) -> list[NoticeSection]:
    bases: dict[str, str] = t["basis"]
    out = [
        _section(
            NoticeItem.PURPOSES,
            t["purposes"],
            [
                t["purpose_item"].format(
                    p.name,
                    p.description.rstrip(".") + "." if p.description else "",
                    bases[p.basis.value],
                )
                + _marketing_text(p, t)
                for p in decl.purposes
            ],
        )
    ]
    li = [p for p in decl.purposes if p.basis is LegalBasis.LEGITIMATE_INTERESTS]
    if li:
        out.append(
            _section(
                NoticeItem.LEGITIMATE_INTERESTS,
                t["li"],
                [t["li_item"].format(p.name, p.legitimate_interests) for p in li],
            )
        )
    return out


def _marketing_text(p: Purpose, t: dict[str, Any]) -> str:
    """ePrivacy art. 13(2), CPCE L34-5: the channels used, and for offers to customers
    without prior consent, the right to object at collection and in every message."""
    out = ""
    if p.channels:
        names = [t["channel_names"][c.value] for c in Channel if c in p.channels]
        out += t["purpose_channels"].format(", ".join(names))
    if p.direct_marketing and p.existing_customers:
        out += t["purpose_customers"]
    return out


def _recipients(decl: Declarations, t: dict[str, Any], lang: str) -> list[NoticeSection]:
    countries: dict[str, str] = t["countries"]
    mechanisms: dict[str, str] = t["mechanisms"]
    colon = " :" if lang == "fr" else ":"
    recipients = [
        f"- {p.name}{colon} {r.category or r.name} ({countries.get(r.country, r.country)})"
        for p in decl.purposes
        for r in p.recipients
    ]
    transfers = [
        t["transfer_item"]
        .format(
            p.name,
            countries.get(tr.country, tr.country),
            mechanisms[tr.mechanism.value],
            tr.mechanism.article,
            (tr.reference.rstrip(".") + ".") if tr.reference else "",
        )
        .rstrip()
        for p in decl.purposes
        for tr in p.transfers
    ]
    out = []
    if recipients:
        out.append(_section(NoticeItem.RECIPIENTS, t["recipients"], recipients))
    if transfers:
        out.append(_section(NoticeItem.TRANSFERS, t["transfers"], transfers))
    return out


def _retention(decl: Declarations, t: dict[str, Any], lang: str) -> NoticeSection:
    return _section(
        NoticeItem.RETENTION,
        t["retention"],
        [
            *(
                f"- {p.name} : {period_fr(p)}." if lang == "fr" else f"- {p.name}: {period_en(p)}."
                for p in decl.purposes
            ),
            *(  # each record kind keeps its own period (an invoice, an order)
                f"- {k.label} : {record_period_fr(k)}."
                if lang == "fr"
                else f"- {k.label}: {record_period_en(k)}."
                for k in decl.records
            ),
        ],
    )


def _rights(decl: Declarations, t: dict[str, Any], lang: str) -> list[NoticeSection]:
    info = decl.controller
    purposes = decl.purposes
    rights = [t["rights_all"], *_rights_text(purposes, lang)]
    if any(p.direct_marketing for p in purposes):
        rights.append(t["direct_marketing"])
    if info.establishment == "FR":  # Loi Informatique et Libertés art. 85
        rights.append(t["post_mortem"])
    reach = info.dpo or info.contact
    rights.append(t["rights_how"].format(reach.email or _contact_text(reach)))
    out = [_section(NoticeItem.RIGHTS, t["rights"], rights)]
    if any(p.basis is LegalBasis.CONSENT for p in purposes):
        out.append(
            _section(
                NoticeItem.WITHDRAWAL,
                t["withdrawal"],
                [t["withdrawal_text"].format(reach.email or _contact_text(reach))],
            )
        )
    authority = info.supervisory_authority
    out.append(
        _section(
            NoticeItem.COMPLAINT,
            t["complaint"],
            [t["complaint_text"].format(authority.name, authority.url)],
        )
    )
    return out


def _provision(decl: Declarations, t: dict[str, Any], lang: str) -> NoticeSection:
    kinds: dict[str, str] = t["provision_kind"]
    sep = " ; " if lang == "fr" else "; "
    return _section(
        NoticeItem.PROVISION,
        t["provision"],
        [
            t["provision_item"].format(
                p.name,
                kinds[p.provision.value],
                f"{sep}{p.provision_consequences}" if p.provision_consequences else "",
            )
            for p in decl.purposes
        ],
    )


def _automated(decl: Declarations, t: dict[str, Any]) -> NoticeSection:
    automated = [(p, p.automated_decision) for p in decl.purposes if p.automated_decision]
    if not automated:
        return _section(NoticeItem.AUTOMATED, t["automated"], [t["no_automated"]])
    return _section(
        NoticeItem.AUTOMATED,
        t["automated"],
        [
            t["automated_item"]
            .format(p.name, adm.logic.rstrip(".") + ".", adm.significance, adm.human_review or "")
            .rstrip()
            for p, adm in automated
        ],
    )


def _indirect(
    decl: Declarations, t: dict[str, Any], lang: str, sources: Iterable[DataSource]
) -> list[NoticeSection]:
    labels = sorted(
        {
            category_fr(f.category.key, f.category.label) if lang == "fr" else f.category.label
            for f in (
                *(f for p in decl.purposes for f in p.fields),
                *(f for k in decl.records for f in k.fields),
            )
        }
    )
    public = {True: t["public"], False: t["not_public"]}
    listed = [f"- {src.description} ({public[src.publicly_accessible]})" for src in sources]
    return [
        _section(NoticeItem.CATEGORIES, t["categories"], [f"- {label}" for label in labels]),
        _section(NoticeItem.SOURCE, t["source"], [*listed, t["source_text"]]),
    ]


@attrs.frozen
class NoticeChanges:
    """What changed between two notice versions."""

    added: frozenset[str]
    removed: frozenset[str]
    material: frozenset[str]
    """Purposes whose material content changed: their consents need renewal."""
    wording: frozenset[str]
    """Purposes whose name or description changed, nothing material."""

    @property
    def renewal_needed(self) -> frozenset[str]:
        """Consents for these purposes, given under the old version, no longer count."""
        return self.material | self.added


def compare_notices(old: Declarations, new: Declarations) -> NoticeChanges:
    """Compare the purposes two declarations describe."""
    before = {p.id: p for p in old.purposes}
    after = {p.id: p for p in new.purposes}
    common = before.keys() & after.keys()
    material = {i for i in common if material_digest(before[i]) != material_digest(after[i])}
    wording = {
        i
        for i in common - material
        if (before[i].name, before[i].description) != (after[i].name, after[i].description)
    }
    return NoticeChanges(
        frozenset(after.keys() - before.keys()),
        frozenset(before.keys() - after.keys()),
        frozenset(material),
        frozenset(wording),
    )
