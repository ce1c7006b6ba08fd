"""Direct-marketing law of other member states, declared in TOML (issue 14, item 2)."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from gdprcrm.config import ConfigError, declarations_digest, parse_declarations
from gdprcrm.examples import lumiere
from gdprcrm.model import Audience, CallingWindow, Channel, Requirement
from gdprcrm.policy import Outreach, Reason
from gdprcrm.testing import FrozenClock, make_controller

GERMANY = """
[[marketing_laws]]
jurisdiction = "DE"
[[marketing_laws.rules]]
channel = "phone-call"
requirement = "prior-consent"
source = "UWG § 7(2) Nr. 1"
audience = "consumer"
hours = ["09:00-20:00"]
[[marketing_laws.rules]]
channel = "email"
requirement = "prior-consent"
source = "UWG § 7(2) Nr. 2"
exception = "existing-customer"
valid_from = 2026-01-01
[[marketing_laws.sector_bans]]
sector = "energy-renovation"
channels = ["phone-call", "sms"]
source = "a declared ban"
"""


def _with(extra: str) -> dict[str, Any]:
    return tomllib.loads(lumiere.toml_path().read_text("utf-8") + extra)


def test_a_declared_state_law_is_read_and_applied() -> None:
    decl = parse_declarations(_with(GERMANY))
    (law,) = decl.marketing_laws
    assert law.jurisdiction == "DE"
    call = law.rule(Channel.PHONE_CALL, Audience.CONSUMER, date(2026, 9, 15))
    assert call is not None
    assert call.requirement is Requirement.PRIOR_CONSENT
    assert call.hours == (CallingWindow(time(9), time(20)),)
    assert law.rule(Channel.EMAIL, Audience.CONSUMER, date(2025, 12, 31)) is None
    # The Controller applies it to people in Germany, and France's to people in France.
    crm = make_controller(decl, clock=FrozenClock(datetime(2026, 9, 15, 9, tzinfo=UTC)))
    values = {"email": "max@example.de", "name": "Max", "phone": "+49 30 1234567"}
    purposes = ["customer-relationship", "customer-offers"]
    max_ = crm.add_subject(values, "DE", purposes=purposes)
    call_max = crm.decide(max_, "customer-offers", outreach=Outreach(Channel.PHONE_CALL))
    assert call_max.reasons == (Reason.MARKETING_CONSENT_MISSING,)
    assert call_max.sources == ("UWG § 7(2) Nr. 1",)
    lea = crm.add_subject({**values, "email": "lea@example.fr"}, "FR", purposes=purposes)
    call_lea = crm.decide(lea, "customer-offers", outreach=Outreach(Channel.PHONE_CALL))
    assert call_lea.reasons[1] is Reason.ONGOING_CONTRACT  # France's L223-1 exception


def test_the_eu_entry_replaces_the_baseline() -> None:
    baseline = """
[[marketing_laws]]
jurisdiction = "EU"
[[marketing_laws.rules]]
channel = "post"
requirement = "banned"
source = "a strict baseline"
"""
    crm = make_controller(parse_declarations(_with(baseline)))
    sid = crm.add_subject(
        {"email": "ana@example.it", "name": "Ana"},
        "IT",
        purposes=["customer-relationship", "prospecting"],
    )
    decision = crm.decide(sid, "prospecting", outreach=Outreach(Channel.EMAIL))
    assert decision.allowed  # the declared baseline has no rule for e-mail
    assert decision.sources == ()


@pytest.mark.parametrize(
    "override",
    [
        {"channel": '"pigeon"'},
        {"hours": '["10h-13h"]'},
        {"hours": '["14:00-10:00"]'},
        {"exception": '"friends"'},
        {"requirement": '"unless-objected"', "exception": '"existing-customer"'},
    ],
)
def test_a_bad_rule_is_named_by_its_path(override: dict[str, str]) -> None:
    rule = {"channel": '"email"', "requirement": '"prior-consent"', "source": '"x"'}
    rule.update(override)
    body = "\n".join(f"{key} = {value}" for key, value in rule.items())
    text = f'\n[[marketing_laws]]\njurisdiction = "DE"\n[[marketing_laws.rules]]\n{body}\n'
    with pytest.raises(ConfigError) as caught:
        parse_declarations(_with(text))
    assert any(line.startswith("$.marketing_laws[0].rules[0]") for line in caught.value.errors)


def test_two_rules_for_one_day_or_one_state_twice_are_refused() -> None:
    overlapping = (
        GERMANY
        + """
[[marketing_laws.rules]]
channel = "email"
requirement = "unless-objected"
source = "another"
audience = "professional"
"""
    )
    with pytest.raises(ConfigError, match="invalid declarations") as caught:
        parse_declarations(_with(overlapping))
    assert any("two rules" in line for line in caught.value.errors)
    twice = GERMANY + '\n[[marketing_laws]]\njurisdiction = "DE"\n'
    with pytest.raises(ConfigError) as caught:
        parse_declarations(_with(twice))
    assert any("declared twice" in line for line in caught.value.errors)
    with pytest.raises(ConfigError):
        parse_declarations(_with('\n[[marketing_laws]]\njurisdiction = "XX"\n'))


def test_declaring_a_law_changes_the_digest_and_not_declaring_one_does_not() -> None:
    plain = parse_declarations(_with(""))
    assert declarations_digest(plain) == declarations_digest(lumiere.declarations())
    assert declarations_digest(parse_declarations(_with(GERMANY))) != declarations_digest(plain)


def test_the_pure_decide_applies_the_declared_laws_too() -> None:
    # The declared laws belong to the declarations decide() is given, not only to the
    # Controller that reads them: the pure function finds them there.
    from gdprcrm.policy import SubjectState, decide
    from gdprcrm.testing.builders import build_subject

    decl = parse_declarations(_with(GERMANY))
    subject = build_subject(
        purposes=["customer-relationship", "customer-offers"], jurisdiction="DE"
    )
    at = datetime(2026, 9, 15, 9, tzinfo=UTC)
    call = decide(
        SubjectState(subject), "customer-offers", at, decl, outreach=Outreach(Channel.PHONE_CALL)
    )
    assert call.reasons == (Reason.MARKETING_CONSENT_MISSING,)
    assert call.sources == ("UWG § 7(2) Nr. 1",)
