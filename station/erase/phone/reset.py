"""The factory reset of one phone, as a procedure: startup() / execute() / shutdown().

The means, best first:
- recovery-command: on a rooted or eng build with a /cache partition, `--wipe_data` is
  written to /cache/recovery/command and the phone rebooted into recovery, which wipes and
  restarts by itself (this is how Android runs `recovery --wipe_data`).
- reset-broadcast: rooted, no /cache (A/B phones): the system's own FACTORY_RESET broadcast,
  which arms recovery the same way.
- recovery-menu: any other phone: `adb reboot recovery`, then the technician picks
  'Wipe data/factory reset' with the phone's keys, guided step by step.
The phone disappears during each reboot and may come back in another state (recovery,
sideload, the setup wizard, or not at all when USB debugging is off after the reset).
Every command sent is recorded by the client's journal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from station.certs.result import Status
from station.config import Config
from station.devices.phone.adb import AdbClient
from station.devices.phone.states import ABSENT, instruction
from station.erase.phone.prechecks import Prechecks
from station.errors import DeviceError
from station.i18n import _
from station.prompt import OperatorPrompt

log = logging.getLogger(__name__)

MEANS = ("recovery-command", "reset-broadcast", "recovery-menu")
GUIDE = (
    "Factory reset in recovery, on the phone:\n"
    "  1. If it shows 'No command' (an Android lying down): hold Power, press Volume Up once, release both.\n"
    "  2. With the volume keys select 'Wipe data/factory reset'; press Power.\n"
    "  3. Select 'Factory data reset' (or 'Yes'); press Power. Wait for 'Data wipe complete'.\n"
    "  4. Select 'Reboot system now'; press Power."
)
MAX_GUIDED_ATTEMPTS = 3

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class PhoneTimings:
    boot_s: float = 180.0
    reset_s: float = 900.0
    poll_s: float = 1.0
    settle_s: float = 6.0

    @classmethod
    def from_config(cls, config: Config) -> PhoneTimings:
        return cls(config["phone.boot_timeout_s"], config["phone.reset_timeout_s"], config["phone.poll_interval_s"],
                   config["phone.settle_s"])


@dataclass
class ResetOutcome:
    status: Status
    means: str
    reason: str = ""
    returned: str = ABSENT  # the phone's state once the reset was over: device, unauthorized, absent
    notes: list[str] = field(default_factory=list)


class PhoneReset:
    def __init__(self, client: AdbClient, serial: str, prompt: OperatorPrompt, checks: Prechecks, *,
                 sdk: int | None, method: str = "auto", timings: PhoneTimings = PhoneTimings(),
                 progress: Progress = lambda *_: None, should_stop: Callable[[], bool] = lambda: False) -> None:
        self.client, self.serial, self.prompt, self.checks = client, serial, prompt, checks
        self.sdk, self.method, self.t = sdk, method, timings
        self.progress, self.should_stop = progress, should_stop
        self.outcome = ResetOutcome(Status.FAILED, "")

    def note(self, text: str) -> None:
        log.info("phone %s: %s", self.serial, text)
        self.outcome.notes.append(text)

    # --- startup ------------------------------------------------------------------------------

    def startup(self) -> None:
        state = self.client.state(self.serial)
        if state != "device":
            raise DeviceError(_("Phone {serial} left Android before the reset started. {instruction}").format(
                    serial=self.serial, instruction=instruction(state)))
        means = self.method
        if means in ("auto", "factory-reset"):
            means = "recovery-menu"
            if self.checks.rooted:
                has_cache = self.client.shell(self.serial, "su 0 ls -d /cache/recovery").exit_code == 0
                means = "recovery-command" if has_cache else "reset-broadcast"
        if means not in MEANS:
            raise DeviceError(_("'{method}' is not a phone erase method; use auto, {means}.").format(
                    method=self.method, means=', '.join(MEANS)))
        if means != "recovery-menu" and not self.checks.rooted:
            raise DeviceError(_("The {means} method needs a rooted or eng build; this phone has no root "
                                "shell. Use the method 'auto' (guided reset in recovery).").format(means=means))
        self.outcome.means = means
        self.note(f"erase means: {means}")

    # --- execute --------------------------------------------------------------------------------

    def execute(self) -> ResetOutcome:
        means = self.outcome.means
        self.progress(0.2, "Starting the factory reset")
        if means == "recovery-command":
            self._arm_recovery()
            self.client.reboot(self.serial, "recovery")
        elif means == "reset-broadcast":
            action = "FACTORY_RESET" if (self.sdk or 0) >= 26 else "MASTER_CLEAR"
            sent = self.client.shell(self.serial, f"su 0 am broadcast -a android.intent.action.{action} -p android")
            if sent.exit_code != 0 or "Broadcast completed" not in sent.output:
                self._fail(f"The phone refused the factory reset request: {sent.output.strip()[:160]}")
                return self.outcome
        else:
            self.prompt.tell("The phone now restarts into recovery. Keep it plugged in.")
            self.client.reboot(self.serial, "recovery")
        if not self._wait_leave():
            return self.outcome
        self.note("the phone restarted")
        if means == "recovery-menu" and not self._guided():
            return self.outcome
        self.progress(0.6, "Waiting for the phone to start after the reset")
        self.outcome.returned = self._wait_return(self.t.reset_s if means != "recovery-menu" else self.t.boot_s)
        self.outcome.status = Status.FINISHED
        return self.outcome

    def _arm_recovery(self) -> None:
        self.client.shell(self.serial, "su 0 sh -c 'echo --wipe_data > /cache/recovery/command'")
        armed = self.client.shell(self.serial, "su 0 cat /cache/recovery/command")
        if "--wipe_data" not in armed.output:
            raise DeviceError(_("Phone {serial} did not keep the recovery command (it answered {output!r}). "
                                "Use the method 'recovery-menu'.").format(
                    serial=self.serial, output=armed.output.strip()[:80]))
        self.note("recovery command armed: --wipe_data")

    def _wait_leave(self) -> bool:
        state = self.client.wait_for(self.serial, {"offline", ABSENT, "recovery", "sideload"}, self.t.boot_s,
                                     self.t.poll_s, self.should_stop)
        if self.should_stop():
            return self._abort()
        if state == "device":
            self._fail(f"The phone did not restart within {self.t.boot_s:.0f} s of the reset request. "
                       "Restart it into recovery by hand (power + volume keys) and erase it again.")
            return False
        return True

    def _guided(self) -> bool:
        """The technician resets the phone in recovery; True once it left recovery towards Android."""
        # Many recoveries do not run adb at all: look briefly, then guide the technician regardless.
        state = self.client.wait_for(self.serial, {"recovery", "sideload"}, self.t.settle_s, self.t.poll_s,
                                     self.should_stop)
        self.note(f"phone seen in {state} after the reboot" if state in ("recovery", "sideload")
                  else "recovery does not show over adb (normal on many phones)")
        self.progress(0.35, "Waiting for the technician to reset the phone in recovery")
        for attempt in range(1, MAX_GUIDED_ATTEMPTS + 1):
            if state == "sideload":
                self.prompt.tell(instruction("sideload"))
            question = GUIDE + "\n\nAnswer yes once you chose 'Reboot system now' after 'Data wipe complete'."
            if not self.prompt.confirm(question):
                return self._abort("The technician stopped the reset in recovery.")
            if self.should_stop():
                return self._abort()
            state = self.client.wait_for(self.serial, {"offline", ABSENT, "device", "unauthorized"},
                                         self.t.settle_s, self.t.poll_s, self.should_stop)
            if state not in ("recovery", "sideload"):
                self.note(f"attempt {attempt}: the phone left recovery ({state})")
                return True
            self.note(f"attempt {attempt}: the phone is in {state} again: the reset did not finish")
            self.prompt.tell("The phone is back in recovery: the reset did not finish (it restarted or was "
                             "interrupted). Do the steps again.")
        self._fail(f"The phone was still in recovery after {MAX_GUIDED_ATTEMPTS} attempts: the reset did not "
                   "finish. Check the cable and battery, then erase it again.")
        return False

    def _wait_return(self, limit: float) -> str:
        """Wait for Android to come back over adb; 'absent' when it does not (adb is normally off after a reset)."""
        state = self.client.wait_for(self.serial, {"device", "unauthorized"}, limit, self.t.poll_s, self.should_stop)
        self.note(f"after the reset the phone is {state.replace(ABSENT, 'not visible over adb')}")
        return state

    def _fail(self, reason: str) -> bool:
        self.outcome.status, self.outcome.reason = Status.FAILED, reason
        self.note(reason)
        return False

    def _abort(self, reason: str = "Stopped by the technician.") -> bool:
        self.outcome.status, self.outcome.reason = Status.ABORTED, reason
        self.note(reason)
        return False

    # --- shutdown -----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Always runs: say where the phone was left, so nobody unplugs it mid-reset unknowingly."""
        try:
            state = self.client.state(self.serial)
        except DeviceError as exc:
            self.note(f"final state unknown: {exc}")
            return
        self.note(f"left in state: {state}")
        if state in ("recovery", "sideload") and self.outcome.status is not Status.FINISHED:
            self.prompt.tell("The phone is still in recovery. Choose 'Reboot system now' on it before unplugging.")
