"""One booking: the Teams online meeting and the virtual appointment held in it.

The meeting is made with Graph's createOrGet, keyed by the booking's id in the scheduling
system (``external_id``), so running this again never makes a second meeting. The appointment
takes the meeting's id from its output, so Pulumi creates the meeting first and deletes it last.
The client's join link is a stack output for the scheduling system to send.
"""

import pulumi

from pulumi_virtualappointment import (
    LobbyBypassSettingsArgs,
    MeetingAttendeeArgs,
    MeetingParticipantsArgs,
    OnlineMeeting,
    VirtualAppointment,
    VirtualAppointmentSettingsArgs,
    VirtualAppointmentUserArgs,
)

meeting = OnlineMeeting(
    "consultation-meeting",
    external_id="booking-2026-12-01-0900-grady",  # the booking's id in the scheduling system
    subject="Consultation: Grady Archie",
    start_date_time="2026-12-01T10:00:00+01:00",  # any zone; Graph keeps UTC
    end_date_time="2026-12-01T10:30:00+01:00",
    participants=MeetingParticipantsArgs(attendees=[
        MeetingAttendeeArgs(upn="adelev@contoso.com", role="presenter"),  # the advisor
    ]),
    # Clients wait in the lobby until the advisor admits them; dial-in callers too.
    lobby_bypass_settings=LobbyBypassSettingsArgs(scope="organizer", is_dial_in_bypass_enabled=False),
    allowed_presenters="roleIsPresenter",  # the advisor presents; clients do not
)

appointment = VirtualAppointment(
    "consultation",
    online_meeting_id=meeting.online_meeting_id,
    settings=VirtualAppointmentSettingsArgs(allow_client_to_join_using_browser=True),
    # Client details are personal data: a secret input stays encrypted in the stack's state
    # (inputs and outputs alike) and is masked in previews.
    appointment_clients=pulumi.Output.secret([
        VirtualAppointmentUserArgs(
            display_name="Grady Archie",
            email_address="gradya@contoso.com",
            sms_capable_phone_number="123-456-7890",
        ),
    ]),
    external_appointment_id="AAMkADKnAAA=",
    external_appointment_url="https://anyschedulingsystem.com/api/appointments/MkADKnAAA=",
)

pulumi.export("onlineMeetingId", meeting.online_meeting_id)
pulumi.export("joinWebUrl", meeting.join_web_url)  # for the advisor: the Teams meeting
pulumi.export("virtualAppointmentJoinWebUrl", meeting.virtual_appointment_join_web_url)  # for the client
