"""One meeting and its appointment, every choice a test makes taken from stack config.

    meetingName       the meeting's resource name (default "meeting"): a rename, without an alias
    externalId        the meeting's key in the scheduling system (default "scenario-booking")
    subject           the meeting's subject (default "Consultation"; "none": not declared)
    allowMeetingChat  the meeting's chat setting (unset: not declared)
    attendees         a list of {"upn", "role"} (JSON)
    secretData        "true": attendees and clients read with get_secret_object (else plainly);
                      "inCode": the program declares fixed ones itself (PEOPLE), plainly
    appointment       "false": no appointment
    externalAppointmentId, clients (a JSON list of {"display_name", "email_address", ...})
    options           {"meeting" | "appointment": {"protect", "retainOnDelete", "ignoreChanges",
                       "replaceOnChanges", "deleteBeforeReplace", "aliases"}} (JSON), as resource options
    getMeetingId      a meeting id: OnlineMeeting.get("looked-up", id), its subject exported
    importMeetingId   a meeting id: an OnlineMeeting "imported" declared with import_
"""

import pulumi

from pulumi_virtualappointment import OnlineMeeting, VirtualAppointment

config = pulumi.Config()
chosen = config.get_object("options") or {}


def options(name: str) -> pulumi.ResourceOptions:
    spec = chosen.get(name) or {}
    return pulumi.ResourceOptions(
        protect=spec.get("protect"),
        retain_on_delete=spec.get("retainOnDelete"),
        ignore_changes=spec.get("ignoreChanges"),
        replace_on_changes=spec.get("replaceOnChanges"),
        delete_before_replace=spec.get("deleteBeforeReplace"),
        aliases=[pulumi.Alias(name=old) for old in spec.get("aliases") or []] or None,
    )


personal = config.get_secret_object if config.get("secretData") == "true" else config.get_object
PEOPLE = {  # "inCode": personal data declared in the program itself, not in stack config
    "attendees": [{"upn": "adelev@contoso.com", "role": "presenter"}],
    "clients": [{"display_name": "Grady Archie", "email_address": "gradya@contoso.com",
                 "sms_capable_phone_number": "123-456-7890"}],
}
if config.get("secretData") == "inCode":
    personal = PEOPLE.get
attendees = personal("attendees")
meeting = OnlineMeeting(
    config.get("meetingName") or "meeting",
    external_id=config.get("externalId") or "scenario-booking",
    subject=None if config.get("subject") == "none" else config.get("subject") or "Consultation",
    allow_meeting_chat=config.get("allowMeetingChat"),
    start_date_time="2026-12-01T10:00:00+01:00",
    end_date_time="2026-12-01T10:30:00+01:00",
    participants=None if attendees is None else pulumi.Output.from_input(attendees).apply(
        lambda people: {"attendees": people}),
    opts=options("meeting"),
)
pulumi.export("onlineMeetingId", meeting.online_meeting_id)
pulumi.export("subject", meeting.subject)

if config.get("appointment") != "false":
    appointment = VirtualAppointment(
        "appointment",
        online_meeting_id=meeting.online_meeting_id,
        settings={"allow_client_to_join_using_browser": True},
        appointment_clients=personal("clients"),
        external_appointment_id=config.get("externalAppointmentId"),
        opts=options("appointment"),
    )
    pulumi.export("appointmentId", appointment.id)

if config.get("getMeetingId"):
    found = OnlineMeeting.get("looked-up", config.get("getMeetingId"))
    pulumi.export("lookedUpSubject", found.subject)

if config.get("importMeetingId"):
    OnlineMeeting("imported", external_id="imported-booking",
                  opts=pulumi.ResourceOptions(import_=config.get("importMeetingId")))
