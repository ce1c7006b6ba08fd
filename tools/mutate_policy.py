"""Mutation check of gdprcrm.policy.decide and its channel rules: delete each rule, the
tests must fail.

Run from the project root:  python tools/mutate_policy.py
Each mutation removes or neuters one rule of decide() (policy/decide.py) or of the
direct-marketing channel rules it applies (policy/marketing.py); the policy tests must
catch every one of them. The files are restored afterwards, whatever happens.
"""

import os
import pathlib
import subprocess
import sys

TARGET = pathlib.Path("src/gdprcrm/policy/decide.py")
ORIGINAL = TARGET.read_text()
MUTATIONS = {
    "erased": (
        "    if subject.status in _ERASED_STATUSES and not _held_for(subject, purpose):\n        return _decision(False, (Reason.ERASED,), basis)\n",
        "",
    ),
    "held-only-for-its-purpose": (
        "        and purpose.retention.is_legal_hold\n",
        "",
    ),
    "undeclared-gap": (
        "    if purpose is None:\n        return _decision(False, (Reason.PURPOSE_UNDECLARED,), None)\n",
        "    if purpose is None:\n        return _decision(False, (Reason.CONSENT_MISSING,), None)\n",
    ),
    "purpose-limitation": (
        "        reasons.append(Reason.PURPOSE_INCOMPATIBLE)\n",
        "        pass\n",
    ),
    "dm-objection": (
        "        return Reason.DIRECT_MARKETING_OBJECTION\n",
        "        return None\n",
    ),
    "objection": ("        return Reason.OBJECTION\n", "        return None\n"),
    "restriction": (
        "    reasons.append(Reason.RESTRICTED)\n",
        "    pass\n",
    ),
    "retention": ("        reasons.append(Reason.RETENTION_EXPIRED)\n", "        pass\n"),
    "consent-missing": (
        "        reasons.append(Reason.CONSENT_WITHDRAWN if withdrawn else Reason.CONSENT_MISSING)\n        return []\n",
        "        return []\n",
    ),
    "withdrawn-code": (
        "Reason.CONSENT_WITHDRAWN if withdrawn else Reason.CONSENT_MISSING",
        "Reason.CONSENT_MISSING",
    ),
    "notice-informed": (
        "            problems.append(Reason.CONSENT_NOT_INFORMED)\n",
        "            informed.append(consent)\n",
    ),
    "notice-renewal": (
        "            problems.append(Reason.CONSENT_RENEWAL_REQUIRED)\n",
        "            informed.append(consent)\n",
    ),
    "notice-gap": (
        "            problems.append(Reason.NOTICE_VERSION_UNKNOWN)\n            continue\n",
        "            informed.append(consent)\n            continue\n",
    ),
    "age-gap": (
        "        reasons.append(Reason.AGE_UNREADABLE if state.age_unreadable else "
        "Reason.AGE_UNKNOWN)\n        return []\n",
        "        age = 99\n",
    ),
    "minor": (
        "            reasons.append(Reason.MINOR_WITHOUT_PARENTAL_CONSENT)\n            return []\n",
        "            pass\n",
    ),
    "joint-fr": ("            needed.add(ConsentGiver.SUBJECT)\n", "            pass\n"),
    "adult-own": (
        "        if c.given_by is ConsentGiver.SUBJECT\n        and",
        "        if",
    ),
    "explicit": (
        "    if purpose.requires_explicit_consent and not all(c.explicit for c in counting):",
        "    if False:",
    ),
    "restriction-exempt": (
        "    if purpose.restriction_exemption is not None or consented_since:",
        "    if False:",
    ),
    "store-op": (
        "    if operation is Operation.USE and state.restrictions:",
        "    if state.restrictions:",
    ),
    "consent-covers-channel": (
        "        active = [c for c in active if c.covers(outreach.channel, outreach.point)]\n",
        "",
    ),
}

MARKETING = pathlib.Path("src/gdprcrm/policy/marketing.py")
MARKETING_MUTATIONS = {
    "channel-undeclared": (
        "        reasons.append(Reason.CHANNEL_UNDECLARED)\n",
        "        pass\n",
    ),
    "channel-objection": ("        reasons.append(Reason.CHANNEL_OBJECTION)\n", "        pass\n"),
    "marketing-only": ("    if not purpose.direct_marketing:\n        return (), ()\n", ""),
    "sector-ban": (
        "        reasons.append(Reason.CANVASSING_BANNED)\n    if rule is None:",
        "        pass\n    if rule is None:",
    ),
    "prior-consent": (
        "                reasons.append(Reason.MARKETING_CONSENT_MISSING)\n",
        "                pass\n",
    ),
    "opposition-unchecked": (
        "            reasons.append(Reason.OPPOSITION_LIST_UNCHECKED)\n",
        "            pass\n",
    ),
    "opposition-listed": (
        "            reasons.append(Reason.OPPOSITION_LISTED)\n",
        "            pass\n",
    ),
    "calling-hours": ("        reasons.append(Reason.OUTSIDE_CALLING_HOURS)\n", "        pass\n"),
    "customer-sale": (
        "    if not any(_is_contract(declarations, pid) for pid in subject.purposes):\n"
        "        return None\n",
        "",
    ),
    "contract-ongoing": (
        "    return Reason.ONGOING_CONTRACT if ended is None or at < ended else None",
        "    return Reason.ONGOING_CONTRACT",
    ),
}


def main() -> int:
    survived = []
    originals = {TARGET: ORIGINAL, MARKETING: MARKETING.read_text()}
    plan = [(TARGET, name, change) for name, change in MUTATIONS.items()]
    plan += [(MARKETING, name, change) for name, change in MARKETING_MUTATIONS.items()]
    try:
        for path, name, (old, new) in plan:
            original = originals[path]
            assert old in original, f"mutation {name} no longer applies: update this script"
            path.write_text(original.replace(old, new, 1))
            try:
                run = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pytest",
                        "-q",
                        "-x",
                        "tests/policy",
                        "-p",
                        "no:cacheprovider",
                    ],
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=False,
                    env={**os.environ, "HYPOTHESIS_PROFILE": "ci"},
                )
                caught = run.returncode != 0
            except subprocess.TimeoutExpired:
                caught = False
            path.write_text(original)
            print(f"{name:22s} {'caught' if caught else 'SURVIVED'}")
            if not caught:
                survived.append(name)
    finally:
        for path, original in originals.items():
            path.write_text(original)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
