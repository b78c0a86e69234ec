"""The overwrite methods the station offers, as data: passes, NIST category, wording.

Verification always checks the last pass, which is what the media must hold when the
job ends. Firmware methods (purge, auto) are planned elsewhere; this table is only the
overwrite engine's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast, get_args

from station.errors import UserFacingError
from station.i18n import N_, _, composed
from station.wipe_record import Technique

VerifyChoice = Literal["full", "sample", "none"]  # how an overwrite is read back
VERIFY_MODES: tuple[VerifyChoice, ...] = get_args(VerifyChoice)


@dataclass(frozen=True)
class Method:
    name: str
    passes: tuple[str, ...]  # pattern names for patterns.make(): zero, one, random
    method_type: str  # NIST SP 800-88 category: Clear, or none for a check that writes nothing
    technique: Technique
    description: str
    expected: str  # what the media must hold afterwards (the verified pattern)
    verify_required: bool = False

    @property
    def writes(self) -> bool:
        return bool(self.passes)


# data: the names, NIST categories and techniques are the certificate's words; the descriptions are marked
METHODS: dict[str, Method] = {m.name: m for m in (
    Method("clear", ("zero",), "Clear", "overwrite",
           N_("NIST SP 800-88 Clear: one pass of zeros, then verification."), "zero", verify_required=True),
    Method("zero", ("zero",), "Clear", "overwrite", N_("One pass of zeros."), "zero"),
    Method("one", ("one",), "Clear", "overwrite", N_("One pass of 0xFF bytes."), "one"),
    Method("random", ("random",), "Clear", "overwrite",
           N_("One pass of AES-256-CTR random data; verifiable by sampling."), "random"),
    Method("random-zero", ("random", "zero"), "Clear", "overwrite",
           N_("A random pass, then a final pass of zeros."), "zero"),
    Method("dod3", ("zero", "one", "random"), "Clear", "overwrite",
           N_("DoD 5220.22-M three passes: 0x00, 0xFF, random; for contracts that demand it."), "random"),
    Method("verify-zero", (), "none", "verify only",
           N_("Writes nothing: checks that the media reads back as all zeros."), "zero"),
)}
composed(*(m.description for m in METHODS.values()))  # English in a job's record; shown translated


def get(name: str) -> Method:
    method = METHODS.get(name)
    if method is None:
        raise UserFacingError(
            _("'{name}' is not an overwrite method. Choose one of: {methods}.").format(
                    name=name, methods=', '.join(METHODS))
        )
    return method


def check_verify(method: Method, verify: str) -> VerifyChoice:
    """The verification asked for, or a refusal of a combination that could never be trusted."""
    if verify not in VERIFY_MODES:
        raise UserFacingError(_("Verification '{verify}' is unknown. Choose full, sample or none.").format(
                verify=verify))
    if verify == "none" and (method.verify_required or not method.writes):
        raise UserFacingError(
            _("Method '{name}' needs verification; choose --verify sample or --verify full.").format(name=method.name)
        )
    return cast(VerifyChoice, verify)
