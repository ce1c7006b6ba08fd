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
from typing import Any

import attrs

from gdprcrm.config import declarations_digest
from gdprcrm.documents.register import category_fr, period_fr
from gdprcrm.errors import IncompleteNotice, InvalidInput
from gdprcrm.model import (
    Contact,
    DataSource,
    Declarations,
    LegalBasis,
    Purpose,
    Right,
    format_period,
    material_digest,
)
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
            "indirect": self.indirect,
            "sections": [
                {"item": s.item.value, "title": s.title, "paragraphs": list(s.paragraphs)}
                for s in self.sections
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_markdown(self) -> str:
        lines = [f"# {self.title}", "", _T[self.language]["version"].format(self.version)]
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
            f"<p><small>{e(_T[self.language]['version'].format(self.version))}</small></p>",
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


# -- wording ---------------------------------------------------------------------------

_T: dict[str, dict[str, Any]] = {
    "fr": {
        "title": "Politique de confidentialité — {}",
        "version": "Version {}",
        "controller": "Qui est responsable de vos données ?",
        "controller_text": "Le responsable du traitement est {}.",
        "contact": "Pour toute question : {}.",
        "representative": "Notre représentant dans l'Union : {}.",
        "dpo": "Notre délégué à la protection des données",
        "dpo_text": "Vous pouvez joindre notre délégué à la protection des données : {}.",
        "purposes": "Pourquoi utilisons-nous vos données, et sur quelle base ?",
        "li": "Nos intérêts légitimes",
        "li_item": "- {} : {}.",
        "recipients": "Qui reçoit vos données ?",
        "none": "Aucun.",
        "transfers": "Vos données quittent-elles l'Union européenne ?",
        "transfer_item": "- {} : destination {} ({}, art. {} du RGPD). {}",
        "retention": "Combien de temps gardons-nous vos données ?",
        "rights": "Quels sont vos droits ?",
        "rights_all": (
            "Vous pouvez à tout moment accéder à vos données (art. 15), les faire rectifier "
            "(art. 16) et demander la limitation de leur traitement (art. 18)."
        ),
        "rights_how": (
            "Pour exercer vos droits, écrivez à {}. Nous répondons dans un délai d'un mois, "
            "prolongeable de deux mois pour les demandes complexes (art. 12(3))."
        ),
        "withdrawal": "Retirer votre consentement",
        "withdrawal_text": (
            "Vous pouvez retirer votre consentement à tout moment, aussi simplement que vous "
            "l'avez donné (lien de désabonnement, espace client ou simple message à {}). Le "
            "retrait ne remet pas en cause le traitement effectué avant celui-ci."
        ),
        "complaint": "Réclamation",
        "complaint_text": (
            "Si vous estimez que vos droits ne sont pas respectés, vous pouvez introduire une "
            "réclamation auprès de l'autorité de contrôle : {} ({})."
        ),
        "provision": "Êtes-vous obligé de nous fournir ces données ?",
        "automated": "Décisions automatisées",
        "automated_item": "- {} : {} Conséquences pour vous : {}. {}",
        "no_automated": (
            "Nous ne prenons aucune décision fondée exclusivement sur un traitement automatisé "
            "produisant des effets juridiques vous concernant ou vous affectant de manière "
            "significative (art. 22)."
        ),
        "mechanisms": {
            "adequacy": "décision d'adéquation",
            "scc": "clauses contractuelles types",
            "bcr": "règles d'entreprise contraignantes",
            "code-of-conduct": "code de conduite",
            "certification": "certification",
            "derogation": "dérogation",
        },
        "countries": {
            "FR": "France",
            "DE": "Allemagne",
            "IE": "Irlande",
            "NL": "Pays-Bas",
            "BE": "Belgique",
            "ES": "Espagne",
            "IT": "Italie",
            "US": "États-Unis",
            "GB": "Royaume-Uni",
            "CH": "Suisse",
            "CA": "Canada",
            "JP": "Japon",
            "IN": "Inde",
            "MA": "Maroc",
            "TN": "Tunisie",
            "CN": "Chine",
            "BR": "Brésil",
        },
        "categories": "Quelles données avons-nous sur vous ?",
        "source": "D'où viennent vos données ?",
        "source_text": (
            "Lorsque nous n'avons pas obtenu vos données auprès de vous, nous vous indiquons "
            "leur source lors de notre premier contact, et au plus tard dans le mois qui suit "
            "leur obtention (art. 14(3))."
        ),
        "public": "source accessible au public",
        "not_public": "source non accessible au public",
        "basis": {
            "consent": "votre consentement (art. 6(1)(a))",
            "contract": "l'exécution du contrat qui nous lie (art. 6(1)(b))",
            "legal-obligation": "une obligation légale (art. 6(1)(c))",
            "vital-interests": "la sauvegarde d'intérêts vitaux (art. 6(1)(d))",
            "public-task": "une mission d'intérêt public (art. 6(1)(e))",
            "legitimate-interests": "notre intérêt légitime (art. 6(1)(f))",
        },
        "purpose_item": "- {} : {} Base légale : {}.",
        "right_item": "- {} : {}.",
        "provision_item": "- {} : {}{}.",
        "provision_kind": {
            "statutory": "obligatoire (exigence légale)",
            "contractual": "obligatoire (exigence contractuelle)",
            "contract-prerequisite": "nécessaire à la conclusion du contrat",
            "voluntary": "facultatif",
        },
        "rights_names": {
            "erasure": "Effacement (art. 17)",
            "portability": "Portabilité (art. 20)",
            "objection": "Opposition (art. 21)",
        },
        "direct_marketing": (
            "Vous pouvez vous opposer à tout moment, sans motif, à la prospection "
            "commerciale, y compris au profilage qui y est lié (art. 21(2) et (3))."
        ),
    },
    "en": {
        "title": "Privacy notice — {}",
        "version": "Version {}",
        "controller": "Who is responsible for your data?",
        "controller_text": "The controller is {}.",
        "contact": "For any question: {}.",
        "representative": "Our representative in the Union: {}.",
        "dpo": "Our data protection officer",
        "dpo_text": "You can reach our data protection officer: {}.",
        "purposes": "Why do we use your data, and on what basis?",
        "li": "Our legitimate interests",
        "li_item": "- {}: {}.",
        "recipients": "Who receives your data?",
        "none": "Nobody.",
        "transfers": "Does your data leave the European Union?",
        "transfer_item": "- {}: to {} ({}, Art. {} GDPR). {}",
        "retention": "How long do we keep your data?",
        "rights": "What are your rights?",
        "rights_all": (
            "You may at any time access your data (Art. 15), have it rectified (Art. 16) and "
            "ask for its processing to be restricted (Art. 18)."
        ),
        "rights_how": (
            "To exercise your rights, write to {}. We answer within one month, which may be "
            "extended by two months for complex requests (Art. 12(3))."
        ),
        "withdrawal": "Withdrawing your consent",
        "withdrawal_text": (
            "You may withdraw your consent at any time, as easily as you gave it (unsubscribe "
            "link, customer account or a message to {}). Withdrawal does not affect the "
            "processing carried out before it."
        ),
        "complaint": "Complaints",
        "complaint_text": (
            "If you believe your rights are not respected, you may lodge a complaint with the "
            "supervisory authority: {} ({})."
        ),
        "provision": "Must you provide this data?",
        "automated": "Automated decisions",
        "automated_item": "- {}: {} Consequences for you: {}. {}",
        "no_automated": (
            "We take no decision based solely on automated processing that produces legal "
            "effects concerning you or similarly significantly affects you (Art. 22)."
        ),
        "mechanisms": {
            "adequacy": "adequacy decision",
            "scc": "standard contractual clauses",
            "bcr": "binding corporate rules",
            "code-of-conduct": "code of conduct",
            "certification": "certification",
            "derogation": "derogation",
        },
        "countries": {
            "FR": "France",
            "DE": "Germany",
            "IE": "Ireland",
            "NL": "the Netherlands",
            "BE": "Belgium",
            "ES": "Spain",
            "IT": "Italy",
            "US": "the United States",
            "GB": "the United Kingdom",
            "CH": "Switzerland",
            "CA": "Canada",
            "JP": "Japan",
            "IN": "India",
            "MA": "Morocco",
            "TN": "Tunisia",
            "CN": "China",
            "BR": "Brazil",
        },
        "categories": "What data do we hold about you?",
        "source": "Where does your data come from?",
        "source_text": (
            "When we did not obtain your data from you, we tell you its source when we first "
            "contact you, and at the latest within one month of obtaining it (Art. 14(3))."
        ),
        "public": "a publicly accessible source",
        "not_public": "not a publicly accessible source",
        "basis": {
            "consent": "your consent (Art. 6(1)(a))",
            "contract": "the performance of our contract (Art. 6(1)(b))",
            "legal-obligation": "a legal obligation (Art. 6(1)(c))",
            "vital-interests": "the protection of vital interests (Art. 6(1)(d))",
            "public-task": "a task in the public interest (Art. 6(1)(e))",
            "legitimate-interests": "our legitimate interests (Art. 6(1)(f))",
        },
        "purpose_item": "- {}: {} Legal basis: {}.",
        "right_item": "- {}: {}.",
        "provision_item": "- {}: {}{}.",
        "provision_kind": {
            "statutory": "required by law",
            "contractual": "required by the contract",
            "contract-prerequisite": "needed to enter into the contract",
            "voluntary": "optional",
        },
        "rights_names": {
            "erasure": "Erasure (Art. 17)",
            "portability": "Portability (Art. 20)",
            "objection": "Objection (Art. 21)",
        },
        "direct_marketing": (
            "You may object at any time, without giving reasons, to direct marketing, "
            "including the profiling related to it (Art. 21(2) and (3))."
        ),
    },
}

_ANCHOR_EN = {
    "collection": "from collection",
    "last-contact": "from your last contact with us",
    "end-of-relationship": "from the end of our relationship",
    "consent-withdrawal": "from the withdrawal of your consent",
    "last-activity": "from your last activity",
}
_ACTION_EN = {"erase": "then erased", "anonymise": "then anonymised", "review": "then reviewed"}


def _period_en(p: Purpose) -> str:
    d = p.retention.period
    parts = [
        f"{n} {unit}{'s' if n > 1 else ''}"
        for n, unit in ((d.years, "year"), (d.months, "month"), (d.days, "day"))
        if n
    ]
    text = " and ".join(parts) if parts else format_period(d)
    text += " " + _ANCHOR_EN[p.retention.anchor.value]
    text += ", " + _ACTION_EN[p.retention.action.value]
    if p.retention.legal_reference:
        text += f" ({p.retention.legal_reference})"
    return text


def _contact_text(c: Contact) -> str:
    return ", ".join([c.name] + [x for x in (c.email, c.phone, c.address) if x])


def _rights_text(purposes: Iterable[Purpose], lang: str) -> list[str]:
    t = _T[lang]
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
    if lang not in _T:
        raise InvalidInput(f"notice language {lang!r}: 'fr' and 'en' are available")
    t = _T[lang]
    info = decl.controller
    purposes = decl.purposes
    bases: dict[str, str] = t["basis"]
    sections: list[NoticeSection] = []

    def add(item: NoticeItem, title: str, paragraphs: Iterable[str]) -> None:
        sections.append(NoticeSection(item, title, tuple(paragraphs)))

    who = [
        t["controller_text"].format(
            info.name + (f" ({info.registration})" if info.registration else "")
        ),
        t["contact"].format(_contact_text(info.contact)),
    ]
    if info.representative is not None:
        who.append(t["representative"].format(_contact_text(info.representative)))
    add(NoticeItem.CONTROLLER, t["controller"], who)
    if info.dpo is not None:
        add(NoticeItem.DPO, t["dpo"], [t["dpo_text"].format(_contact_text(info.dpo))])
    add(
        NoticeItem.PURPOSES,
        t["purposes"],
        [
            t["purpose_item"].format(
                p.name,
                p.description.rstrip(".") + "." if p.description else "",
                bases[p.basis.value],
            )
            for p in purposes
        ],
    )
    li = [p for p in purposes if p.basis is LegalBasis.LEGITIMATE_INTERESTS]
    if li:
        add(
            NoticeItem.LEGITIMATE_INTERESTS,
            t["li"],
            [t["li_item"].format(p.name, p.legitimate_interests) for p in li],
        )
    countries: dict[str, str] = t["countries"]
    mechanisms: dict[str, str] = t["mechanisms"]
    colon = " :" if lang == "fr" else ":"
    recipients = [
        f"- {p.name}{colon} {r.category or r.name} ({countries.get(r.country, r.country)})"
        for p in purposes
        for r in p.recipients
    ]
    if recipients:
        add(NoticeItem.RECIPIENTS, t["recipients"], recipients)
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
        for p in purposes
        for tr in p.transfers
    ]
    if transfers:
        add(NoticeItem.TRANSFERS, t["transfers"], transfers)
    add(
        NoticeItem.RETENTION,
        t["retention"],
        [
            (f"- {p.name} : {period_fr(p)}." if lang == "fr" else f"- {p.name}: {_period_en(p)}.")
            for p in purposes
        ],
    )
    rights = [t["rights_all"], *_rights_text(purposes, lang)]
    if any(p.direct_marketing for p in purposes):
        rights.append(t["direct_marketing"])
    reach = info.dpo or info.contact
    rights.append(t["rights_how"].format(reach.email or _contact_text(reach)))
    add(NoticeItem.RIGHTS, t["rights"], rights)
    if any(p.basis is LegalBasis.CONSENT for p in purposes):
        add(
            NoticeItem.WITHDRAWAL,
            t["withdrawal"],
            [t["withdrawal_text"].format(reach.email or _contact_text(reach))],
        )
    authority = info.supervisory_authority
    add(
        NoticeItem.COMPLAINT,
        t["complaint"],
        [t["complaint_text"].format(authority.name, authority.url)],
    )
    if not indirect:
        kinds: dict[str, str] = t["provision_kind"]
        add(
            NoticeItem.PROVISION,
            t["provision"],
            [
                t["provision_item"].format(
                    p.name,
                    kinds[p.provision.value],
                    f" ; {p.provision_consequences}"
                    if p.provision_consequences and lang == "fr"
                    else f"; {p.provision_consequences}"
                    if p.provision_consequences
                    else "",
                )
                for p in purposes
            ],
        )
    automated = [(p, p.automated_decision) for p in purposes if p.automated_decision]
    if not automated:
        add(NoticeItem.AUTOMATED, t["automated"], [t["no_automated"]])
    else:
        add(
            NoticeItem.AUTOMATED,
            t["automated"],
            [
                t["automated_item"]
                .format(
                    p.name, adm.logic.rstrip(".") + ".", adm.significance, adm.human_review or ""
                )
                .rstrip()
                for p, adm in automated
            ],
        )
    if indirect:
        labels = sorted(
            {
                category_fr(f.category.key, f.category.label) if lang == "fr" else f.category.label
                for p in purposes
                for f in p.fields
            }
        )
        add(NoticeItem.CATEGORIES, t["categories"], [f"- {label}" for label in labels])
        public = {True: t["public"], False: t["not_public"]}
        listed = [f"- {src.description} ({public[src.publicly_accessible]})" for src in sources]
        add(NoticeItem.SOURCE, t["source"], [*listed, t["source_text"]])
    return Notice(
        lang, t["title"].format(info.name), declarations_digest(decl), indirect, tuple(sections)
    )


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
