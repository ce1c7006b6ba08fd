"""Mutation check of gdprcrm.policy.decide: delete each rule, the tests must fail.

Run from the project root:  python tools/mutate_policy.py
Each mutation removes or neuters one rule of decide(); the policy tests must catch every
one of them. The file is restored afterwards, whatever happens.
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
        "        reasons.append(Reason.DIRECT_MARKETING_OBJECTION)\n",
        "        pass\n",
    ),
    "objection": ("        reasons.append(Reason.OBJECTION)\n", "        pass\n"),
    "restriction": (
        "                reasons.append(Reason.RESTRICTED)\n",
        "                pass\n",
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
        "        reasons.append(Reason.AGE_UNKNOWN)\n        return []\n",
        "        age = 99\n",
    ),
    "minor": (
        "            reasons.append(Reason.MINOR_WITHOUT_PARENTAL_CONSENT)\n            return []\n",
        "            pass\n",
    ),
    "joint-fr": ("            needed.add(ConsentGiver.SUBJECT)\n", "            pass\n"),
    "adult-own": (
        "            if c.given_by is ConsentGiver.SUBJECT\n            and",
        "            if",
    ),
    "explicit": (
        "    if purpose.requires_explicit_consent and not all(c.explicit for c in counting):",
        "    if False:",
    ),
    "restriction-exempt": (
        "            if purpose.restriction_exemption is not None or consented_since:",
        "            if False:",
    ),
    "store-op": (
        "    if operation is Operation.USE and state.restrictions:",
        "    if state.restrictions:",
    ),
}


def main() -> int:
    survived = []
    try:
        for name, (old, new) in MUTATIONS.items():
            assert old in ORIGINAL, f"mutation {name} no longer applies: update this script"
            TARGET.write_text(ORIGINAL.replace(old, new, 1))
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
            print(f"{name:22s} {'caught' if caught else 'SURVIVED'}")
            if not caught:
                survived.append(name)
    finally:
        TARGET.write_text(ORIGINAL)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
