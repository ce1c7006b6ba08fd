"""The access report as the person reads it (Art. 12(1), 15): Markdown or HTML, in French
or English, every item of Art. 15 in its own section, from the report
:func:`gdprcrm.documents.access_report` builds (the JSON stays the machine form)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gdprcrm.documents.localized import localized
from gdprcrm.documents.notice_texts import TEXTS, period_en
from gdprcrm.documents.register_texts import category_fr, period_fr
from gdprcrm.errors import InvalidInput
from gdprcrm.model import Declarations

__all__ = ["ACCESS_TEXTS", "access_report_text"]

ACCESS_TEXTS: dict[str, dict[str, Any]] = {
    "fr": {
        "title": "Vos données personnelles chez {} (article 15 du RGPD)",
        "generated": "Réponse établie le {:%d/%m/%Y à %H:%M} (UTC), référence {}.",
        "confirmation": ("Confirmation (art. 15(1))", "Nous traitons des données vous concernant.",
                         "Nous ne traitons aucune donnée vous concernant."),
        "data": "Copie de vos données (art. 15(3))",
        "birth_date": "date de naissance (pour l'âge du consentement, art. 8)",
        "unreadable": "Donnée conservée mais illisible (endommagée) : {}",
        "records": "Vos documents (commandes, factures...) et leur conservation",
        "record_item": "{} du {} : conservé jusqu'au {}{}",
        "purposes": "Pourquoi, sur quelle base, pour qui et combien de temps (art. 15(1)(a)-(d))",
        "purpose_item": "**{}** — {} Base légale : {} (art. {}).",
        "categories": "Catégories de données (art. 15(1)(b)) : {}.",
        "recipients": "Destinataires (art. 15(1)(c)) : {}.",
        "no_recipient": "Destinataires (art. 15(1)(c)) : aucun.",
        "retention": "Conservation (art. 15(1)(d)) : {}.",
        "transfers": "Transferts hors de l'Union et garanties (art. 15(2))",
        "transfer_item": "{} : vers {} ({}, art. {}){}",
        "no_transfer": "Aucune de vos données ne quitte l'Union européenne.",
        "rights": "Vos droits (art. 15(1)(e))",
        "right_item": "{} (art. {}) : {}.",
        "complaint": "Réclamation (art. 15(1)(f))",
        "complaint_text": (
            "Vous pouvez introduire une réclamation auprès de l'autorité de contrôle : {} ({})."
        ),
        "source": "Origine des données (art. 15(1)(g))",
        "source_direct": "Vous nous avez communiqué vous-même ces données.",
        "source_text": "Ces données ne viennent pas de vous : {}.",
        "automated": "Décisions automatisées (art. 15(1)(h))",
        "automated_item": "{} : {} Conséquences : {}",
        "no_automated": "Aucune décision fondée exclusivement sur un traitement automatisé.",
        "history": "Historique : vos choix et nos échanges",
        "consent_item": "{} — {} : consentement {} ({})",
        "consent_kinds": {"given": "donné", "withdrawn": "retiré", "refused": "refusé"},
        "objection_item": "{} — opposition{}",
        "via": ", par {}",
        "about_you": "vos données et vos droits",
        "restriction_item": "{} — limitation ({})",
        "interaction_item": "{} — {} {} ({}, {})",
        "request_item": "{} — demande « {} » : {}",
        "nothing": "Rien.",
        "rights_names": {
            "access": "Accès", "rectification": "Rectification", "erasure": "Effacement",
            "restriction": "Limitation", "portability": "Portabilité",
            "objection": "Opposition", "withdrawal": "Retrait du consentement",
            "human-review": "Intervention humaine",
        },
        "bases": {
            "consent": "votre consentement", "contract": "l'exécution du contrat",
            "legal-obligation": "une obligation légale",
            "vital-interests": "la sauvegarde d'intérêts vitaux",
            "public-task": "une mission d'intérêt public",
            "legitimate-interests": "notre intérêt légitime",
        },
    },
    "en": {
        "title": "Your personal data at {} (Article 15 GDPR)",
        "generated": "Answer drawn up on {:%d %B %Y at %H:%M} (UTC), reference {}.",
        "confirmation": ("Confirmation (Art. 15(1))", "We process data about you.",
                         "We process no data about you."),
        "data": "A copy of your data (Art. 15(3))",
        "birth_date": "date of birth (for the age of consent, Art. 8)",
        "unreadable": "Kept but unreadable (damaged): {}",
        "records": "Your documents (orders, invoices...) and how long they are kept",
        "record_item": "{} of {}: kept until {}{}",
        "purposes": "Why, on what basis, for whom and how long (Art. 15(1)(a)-(d))",
        "purpose_item": "**{}** — {} Legal basis: {} (Art. {}).",
        "categories": "Categories of data (Art. 15(1)(b)): {}.",
        "recipients": "Recipients (Art. 15(1)(c)): {}.",
        "no_recipient": "Recipients (Art. 15(1)(c)): none.",
        "retention": "Retention (Art. 15(1)(d)): {}.",
        "transfers": "Transfers outside the Union and their safeguards (Art. 15(2))",
        "transfer_item": "{}: to {} ({}, Art. {}){}",
        "no_transfer": "None of your data leaves the European Union.",
        "rights": "Your rights (Art. 15(1)(e))",
        "right_item": "{} (Art. {}): {}.",
        "complaint": "Complaints (Art. 15(1)(f))",
        "complaint_text": "You may lodge a complaint with {} ({}).",
        "source": "Where the data comes from (Art. 15(1)(g))",
        "source_direct": "You gave us this data yourself.",
        "source_text": "This data does not come from you: {}.",
        "automated": "Automated decisions (Art. 15(1)(h))",
        "automated_item": "{}: {} Consequences: {}",
        "no_automated": "No decision based solely on automated processing.",
        "history": "History: your choices and our exchanges",
        "consent_item": "{} — {}: consent {} ({})",
        "consent_kinds": {"given": "given", "withdrawn": "withdrawn", "refused": "refused"},
        "objection_item": "{} — objection{}",
        "via": ", by {}",
        "about_you": "your data and rights",
        "restriction_item": "{} — restriction ({})",
        "interaction_item": "{} — {} {} ({}, {})",
        "request_item": "{} — request “{}”: {}",
        "nothing": "Nothing.",
        "rights_names": {
            "access": "Access", "rectification": "Rectification", "erasure": "Erasure",
            "restriction": "Restriction", "portability": "Portability",
            "objection": "Objection", "withdrawal": "Withdrawal of consent",
            "human-review": "Human intervention",
        },
        "bases": {
            "consent": "your consent", "contract": "the performance of our contract",
            "legal-obligation": "a legal obligation",
            "vital-interests": "the protection of vital interests",
            "public-task": "a task in the public interest",
            "legitimate-interests": "our legitimate interests",
        },
    },
}  # fmt: skip


def _day(text: str | None) -> str:
    return "" if not text else datetime.fromisoformat(text).date().isoformat()


Sections = list[tuple[str, list[str]]]


def _category_labels(decl: Declarations, lang: str) -> dict[str, str]:
    """Category key -> its label in ``lang`` (the CNIL wording in French)."""
    out: dict[str, str] = {}
    for p in decl.purposes:
        for f in p.fields:
            key, label = f.category.key, f.category.label
            out[key] = category_fr(key, label) if lang == "fr" else label
    return out


def _data(
    report: Mapping[str, Any], view: Declarations, t: dict[str, Any], lang: str
) -> list[str]:
    """Each value under the name of its data category, the field's name after it
    (``Adresse électronique (email) : ...``): what the person recognises first."""
    sep = " : " if lang == "fr" else ": "
    labels = _category_labels(view, lang)
    data = []
    for name, value in report["data"].items():
        spec = view.find_field(name)
        label = labels.get(spec.category.key) if spec is not None else None
        shown = f"{label} ({name})" if label else name
        data.append(f"- {shown}{sep}{value}")
    if report.get("birth_date"):
        data.append(f"- {t['birth_date']}{sep}{report['birth_date']}")
    data += [t["unreadable"].format(name) for name in report.get("unreadable", [])]
    return data or [t["nothing"]]


def _records(report: Mapping[str, Any], view: Declarations, t: dict[str, Any]) -> list[str]:
    records = []
    for r in report["records"]:
        kind = view.find_record_kind(r["kind"])
        label = kind.label if kind is not None else r["kind"]
        values = ", ".join(f"{k}={v}" for k, v in r["values"].items())
        suffix = f" ({values})" if values else ""
        item = t["record_item"].format(label, _day(r["dated"]), _day(r["kept_until"]), suffix)
        records.append("- " + item)
    return records


def _purposes(
    report: Mapping[str, Any], view: Declarations, t: dict[str, Any], lang: str
) -> tuple[list[str], list[str], list[str]]:
    """(purposes with basis, categories, recipients and retention; transfers;
    automated decisions)."""
    labels = _category_labels(view, lang)
    purposes: list[str] = []
    transfers: list[str] = []
    automated: list[str] = []
    for p in report["purposes"]:
        shown = view.find_purpose(p["id"])
        name = shown.name if shown is not None else p["name"]
        text = (shown.description if shown is not None else p["description"]) or ""
        basis = t["bases"].get(p["legal_basis"], p["legal_basis"])
        if purposes:
            purposes.append("")
        described = text.rstrip(".") + "." if text else ""
        purposes.append(t["purpose_item"].format(name, described, basis, p["article"]))
        categories = ", ".join(labels.get(c, c) for c in p["categories"])
        purposes.append("- " + t["categories"].format(categories))
        recipients = [
            f"{r.category or r.name} ({r.country})"
            for r in (shown.recipients if shown is not None else ())
        ]
        purposes.append(
            "- " + (t["recipients"].format("; ".join(recipients)) if recipients
                    else t["no_recipient"])
        )  # fmt: skip
        if shown is not None:
            period = period_fr(shown) if lang == "fr" else period_en(shown)
            purposes.append("- " + t["retention"].format(period))
        for tr, declared in zip(
            p["transfers"], shown.transfers if shown is not None else (), strict=False
        ):
            reference = f". {declared.reference}" if declared.reference else ""
            mechanism = TEXTS[lang]["mechanisms"].get(tr["mechanism"], tr["mechanism"])
            item = t["transfer_item"].format(
                name, tr["country"], mechanism, tr["article"], reference
            )
            transfers.append("- " + item)
        if p["automated_decision"] is not None:
            adm = p["automated_decision"]
            item = t["automated_item"].format(name, adm["logic"], adm["significance"])
            automated.append("- " + item)
    return purposes, transfers, automated


def _sections(report: Mapping[str, Any], decl: Declarations, lang: str) -> Sections:
    t = ACCESS_TEXTS[lang]
    view, _ = localized(decl, lang)
    out: Sections = []
    title, yes, no = t["confirmation"]
    out.append((title, [yes if report["confirmation"] else no]))
    out.append((t["data"], _data(report, view, t, lang)))
    if report["records"]:
        out.append((t["records"], _records(report, view, t)))
    purposes, transfers, automated = _purposes(report, view, t, lang)
    out.append((t["purposes"], purposes or [t["nothing"]]))
    out.append((t["transfers"], transfers or [t["no_transfer"]]))
    names = {p.id: p.name for p in view.purposes}
    rights = []
    for r in report["rights"]:
        right = t["rights_names"].get(r["right"], r["right"])
        applies = ", ".join(names.get(pid, pid) for pid in r["purposes"])
        rights.append("- " + t["right_item"].format(right, ", ".join(r["articles"]), applies))
    out.append((t["rights"], rights))
    complaint = report["complaint"]
    authority = view.controller.supervisory_authority  # its name in the report's language
    text = t["complaint_text"].format(authority.name, complaint["url"])
    out.append((t["complaint"], [text]))
    source = report.get("source")
    origin = t["source_text"].format(source["description"]) if source else t["source_direct"]
    out.append((t["source"], [origin]))
    out.append((t["automated"], automated or [t["no_automated"]]))
    channels = TEXTS[lang]["channel_names"]
    out.append((t["history"], _history(report, t, names, channels) or [t["nothing"]]))
    return out


def _via(item: Mapping[str, Any], t: dict[str, Any], channels: Mapping[str, str]) -> str:
    """ ", by SMS (phone)": the channel and contact point an event was limited to."""
    channel, point = item.get("contact_channel"), item.get("contact_point")
    if channel is None and point is None:
        return ""
    text = t["via"].format(channels.get(channel, channel)) if channel is not None else ""
    return text + (f" ({point})" if point is not None else "")


def _history(
    report: Mapping[str, Any],
    t: dict[str, Any],
    names: Mapping[str, str],
    channels: Mapping[str, str],
) -> list[str]:
    lines: list[tuple[str, str]] = []
    for e in report["consents"]:
        kind = t["consent_kinds"].get(e.get("event", ""), e.get("event", ""))
        purpose = names.get(e["purpose_id"], e["purpose_id"]) + _via(e, t, channels)
        text = t["consent_item"].format(_day(e["at"]), purpose, kind, e["channel"])
        lines.append((e["at"], text))
    for o in report["objections"]:
        target = o.get("purpose_id")
        which = f" ({names.get(target, target)})" if target else ""
        which += _via(o, t, channels)
        lines.append((o["at"], t["objection_item"].format(_day(o["at"]), which)))
    for r in report["restrictions"]:
        lines.append((r["at"], t["restriction_item"].format(_day(r["at"]), r["ground"])))
    for i in report["interactions"]:
        target = i["purpose"]
        purpose = names.get(target, target) if target else t["about_you"]
        text = t["interaction_item"].format(
            _day(i["at"]), i["direction"], i["kind"], purpose, i["channel"]
        )
        lines.append((i["at"], text))
    for q in report["requests"]:
        text = t["request_item"].format(_day(q["received_at"]), q["kind"], q["status"])
        lines.append((q["received_at"], text))
    return ["- " + text for _, text in sorted(lines)]


def access_report_text(
    report: Mapping[str, Any], decl: Declarations, *, lang: str = "fr", fmt: str = "md"
) -> str:
    """The report of :func:`gdprcrm.documents.access_report` for the person to read:
    ``fmt`` ``"md"`` or ``"html"``, ``lang`` ``"fr"`` or ``"en"``."""
    if not isinstance(lang, str) or lang not in ACCESS_TEXTS:
        raise InvalidInput("access report language: 'fr' or 'en'")
    if fmt not in ("md", "html"):
        raise InvalidInput("access report format: 'md' or 'html' (or the JSON report)")
    t = ACCESS_TEXTS[lang]
    title = t["title"].format(decl.controller.name)
    generated = t["generated"].format(datetime.fromisoformat(report["generated_at"]),
                                      report["subject"])  # fmt: skip
    sections = _sections(report, decl, lang)
    if fmt == "md":
        lines = [f"# {title}", "", generated]
        for heading, paragraphs in sections:
            lines += ["", f"## {heading}", "", *paragraphs]
        return "\n".join(lines) + "\n"
    e = html.escape
    out = ["<!doctype html>", f'<html lang="{lang}">', '<head><meta charset="utf-8">',
           f"<title>{e(title)}</title></head>", "<body>", f"<h1>{e(title)}</h1>",
           f"<p>{e(generated)}</p>"]  # fmt: skip
    for heading, paragraphs in sections:
        out.append(f"<section><h2>{e(heading)}</h2>")
        items = [p[2:] for p in paragraphs if p.startswith("- ")]
        out += [f"<p>{e(p).replace('**', '')}</p>" for p in paragraphs if not p.startswith("- ")]
        if items:
            out.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>")
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
