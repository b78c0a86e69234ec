"""The wipe planner's words (station.erase.plan): English in the plan, which a job's files and its certificate
keep; the screen shows them through i18n.shown(), which reads each back into one of these templates."""

from __future__ import annotations

from station.i18n import N_, composed

MEDIA = {False: N_("hard disk drives (ATA/SCSI)"), True: N_("flash media (ATA/SCSI/NVMe SSDs)"),
          None: N_("the media type, which the report does not state")}
CITED = N_("{nist}; {ieee} techniques for {media}")
composed(*MEDIA.values(), CITED)
SUPPORTED = N_("{interface} SANITIZE {kind} is supported")
(NO_SANICAP, NVME_FORMAT_CRYPTO, NVME_FORMAT_USER, NO_SCSI_SANITIZE, NO_ATA_SANITIZE_STATED, NO_ATA_SANITIZE,
 NO_ATA_SECURITY, NO_ATA_SECURITY_STATED, FLASH_SECURITY_ERASE, MEDIA_UNSTATED, COUNT_EXPIRED, PASSWORD_SET,
 ENHANCED_HDD, SECURITY_HDD, NO_FIRMWARE_ERASE, NO_INTERFACE) = composed(
    N_("SANICAP is not in this report (read it with nvme id-ctrl); Sanitize not assumed"),
    N_("Format NVM with SES=2 (cryptographic erase) is supported (FNA)"),
    N_("Format NVM with SES=1 (user data erase) is supported (OACS)"),
    N_("SCSI SANITIZE support is not stated (sg_opcodes reports it at the bench)"),
    N_("the ATA SANITIZE feature set is not in this report (hdparm -I shows it)"),
    N_("the drive does not support the ATA SANITIZE feature set"),
    N_("the drive does not support the ATA Security feature set (no Security Erase)"),
    N_("the ATA Security feature set is not in this report (hdparm -I shows it)"),
    N_("ATA SECURITY ERASE on flash is only Clear; Purge of ATA flash is the SANITIZE feature set ({standards})"),
    N_("media type (HDD or SSD) not stated: Security Erase is Purge only on HDDs"),
    N_("Security Erase blocked: security count expired (power-cycle the drive first)"),
    N_("Security Erase blocked: a user password is already set by someone else"),
    N_("Enhanced Security Erase on an HDD is Purge"),
    N_("Security Erase Unit on an HDD is Purge"),
    N_("the {bus} interface has no firmware erase commands this station can send"),
    N_("the drive's interface is not stated, so no firmware command can be chosen"))
(PROFILE_REFUSES, MEMBERS_ONE_BY_ONE, RAID_VOLUME, MEMBERS_JBOD, SANITIZING, SANITIZING_AT, LOCKED, CLEAR_RATIONALE,
 OVERWRITE_VERIFIED, USB_BRIDGE, USB_BRIDGE_NAMED, CLEAR_THROUGH_BRIDGE, MOVE_FOR_PURGE, FAILS_ON_MODEL,
 NO_PURGE_COMMAND, PURGE_IMPOSSIBLE, CLEAR_INSTEAD, DESTROY, FLASH_OVERWRITE, OVERWRITE_WHOLE, READ_BACK, READ_BACK_WHY,
 CHOSEN, NOT_CHOSEN, THEN_VERIFY) = composed(
    N_("{refusal} (profile {profile})"),
    N_("erase the member drives one by one"),
    N_("This is a RAID controller volume: firmware commands and overwrites reach the controller, not every sector "
       "of the member drives"),
    N_("erase the member drives in JBOD mode"),
    N_("A sanitize operation is already in progress; it resumes after every power cycle. Wait for it to complete, "
       "then plan again"),
    N_("A sanitize operation is already in progress ({percent}%); it resumes after every power cycle. Wait for it "
       "to complete, then plan again"),
    N_("The drive is locked by an ATA password; unlock it with the recorded password (station recovery) or the "
       "owner's, then plan again"),
    N_("Clear by overwriting every user-addressable sector ({standards})"),
    N_("overwrite is verified by reading back"),
    N_("USB bridge blocks ATA passthrough: Purge impossible; Clear by overwrite"),
    N_("USB bridge ({bridge}) blocks ATA passthrough: Purge impossible; Clear by overwrite"),
    N_("clear: overwrite through the bridge"),
    N_("move the drive to a SATA/NVMe port for Purge"),
    N_("{method} is reported but fails on this model (profile)"),
    N_("no Purge-capable command is supported"),
    N_("Purge impossible: {why}"),
    N_("clear: overwrite (verified)"),
    N_("destroy the media"),
    N_("Overwrite cannot reach spare/over-provisioned flash blocks: this is Clear, not Purge."),
    N_("Overwrite the whole drive"),
    N_("Read back and compare"),
    N_("proves the overwrite reached the media"),
    N_("{why} -> Purge ({standards})"),
    N_("not chosen: {reason}"),
    N_("then verify: random markers written before the erase must all be gone after it"))
(OR, USB_HIDDEN, NO_HIDDEN, HPA_REMOVE, HPA_WHY, HPA_READ, HPA_READ_WHY, DCO_CHECK, DCO_WHY, HIDDEN_CHECKED, UNFREEZE,
 SUSPEND, REPLUG, FROZEN_WHY, SET_PASSWORD, PASSWORD_WHY, NAMESPACES, SEED, SEED_WHY, ERASE_STEP, CHECK_MARKERS,
 CHECK_MARKERS_WHY, SAMPLED, SAMPLED_WHY) = composed(
    N_("{one} or {other}"),
    N_("Hidden areas (HPA/DCO) cannot be read through this USB bridge; they were NOT erased."),
    N_("No ATA hidden areas on this interface."),
    N_("Remove the HPA ({count} hidden sectors)"),
    N_("hidden sectors hold user data an erase of the visible area would miss"),
    N_("Read the native max (hdparm -N) and remove any HPA"),
    N_("an HPA hides sectors from an overwrite; it is checked and reset, and recorded"),
    N_("Check the DCO (hdparm --dco-identify) and restore factory size if reduced"),
    N_("a DCO can shrink the drive below its real capacity"),
    N_("HPA/DCO are checked and reset before the erase; the certificate records the result."),
    N_("Unfreeze the drive: {ways}"),
    N_("suspend/resume the bench (rtcwake)"),
    N_("hot-replug the drive's bay"),
    N_("the BIOS froze ATA security; erase commands are refused until unfrozen"),
    N_("Set a temporary ATA user password (recorded for recovery)"),
    N_("Security Erase needs a password; it is stored so a failed erase can be unlocked"),
    N_("Format applies per namespace on this controller: every namespace must be formatted."),
    N_("Write random markers at sampled LBAs"),
    N_("evidence that the firmware erase happened"),
    N_("{method}: {why}"),
    N_("Read the sampled LBAs: no marker may survive"),
    N_("NIST CE-style verification"),
    N_("Sampled read-back (expected: {pattern})"),
    N_("the engine's sampled verification"))


# What a run will do (station.erase.run.RunPlan), shown before it starts.
(IPHONE_ONLY, IPHONE_READ, IPHONE_ERASE, IPHONE_FOLLOW, IPHONE_WHY, PHONE_ONLY, PHONE_READ, PHONE_RESET, PHONE_VERIFY,
 PHONE_WHY, NO_PURGE_HERE, PASS, VERIFY) = composed(
    N_("an iPhone is erased by its own Erase All Content and Settings ({method}), not by '{asked}'"),
    N_("read the iPhone's identity and pre-checks (Activation Lock, supervision, MDM, passcode, battery)"),
    N_("Erase All Content and Settings through the MCInstall service"),
    N_("follow the reboot until it answers again; verify the same serial, unactivated, in Setup Assistant"),
    N_("iOS keeps user data encrypted under Secure Enclave keys; the erase destroys them (Purge)."),
    N_("a phone is erased by its factory reset ({methods}), not by '{asked}'"),
    N_("read the phone's identity and pre-checks (account lock, device owner, encryption, boot state)"),
    N_("factory reset: armed over adb as root where possible, else guided in recovery"),
    N_("verify: the setup wizard over adb, or the technician's photo of it"),
    N_("An encrypted phone's reset destroys its storage keys (Purge); an unencrypted one is a Clear."),
    N_("No Purge on this drive: {reason}. Clear by overwrite."),
    N_("pass {number}: write {pattern}"),
    N_("verify: {mode}"))
