"""Quick-start program: a Teams online meeting and its virtual appointment, from stack config.

With only msgraph:endpoint and msgraph:accessToken set, `pulumi up` creates both. Every other
key is optional (unset: the default below, or left as Graph makes it):

    pulumi config set externalId booking-42                # the meeting's id in your scheduling system
    pulumi config set subject "Consultation"
    pulumi config set startDateTime 2026-12-01T10:00:00+01:00  # with endDateTime; unset: now, one hour
    pulumi config set endDateTime 2026-12-01T10:30:00+01:00
    pulumi config set --path 'attendees[0].upn' adelev@contoso.com
    pulumi config set lobbyBypassScope organizer           # who skips the lobby
    pulumi config set allowClientToJoinUsingBrowser false  # default true
    pulumi config set externalAppointmentId AAMkADKnAAA=
    pulumi config set --secret --path 'clients[0].email_address' gradya@contoso.com
"""

import pulumi

from pulumi_virtualappointment import OnlineMeeting, VirtualAppointment, VirtualAppointmentSettingsArgs

config = pulumi.Config()
user_id = config.get("userId")  # the organiser; unset means the signed-in user
adopt = config.get_bool("adoptExisting") or False
attendees = config.get_object("attendees")
lobby_scope = config.get("lobbyBypassScope")
allow_browser = config.get_bool("allowClientToJoinUsingBrowser")

meeting = OnlineMeeting(
    "meeting",
    external_id=config.get("externalId") or "quickstart-appointment",
    user_id=user_id,
    subject=config.get("subject") or "Virtual appointment",
    start_date_time=config.get("startDateTime"),
    end_date_time=config.get("endDateTime"),
    participants=None if attendees is None else {"attendees": attendees},
    lobby_bypass_settings=None if lobby_scope is None else {"scope": lobby_scope},
    adopt_existing=adopt,
)

appointment = VirtualAppointment(
    "appointment",
    online_meeting_id=meeting.online_meeting_id,
    user_id=user_id,
    settings=VirtualAppointmentSettingsArgs(True if allow_browser is None else allow_browser),
    appointment_clients=config.get_secret_object("clients"),  # personal data: kept encrypted
    external_appointment_id=config.get("externalAppointmentId"),
    external_appointment_url=config.get("externalAppointmentUrl"),
    adopt_existing=adopt,
)

pulumi.export("onlineMeetingId", meeting.online_meeting_id)
pulumi.export("joinWebUrl", meeting.join_web_url)
pulumi.export("virtualAppointmentJoinWebUrl", meeting.virtual_appointment_join_web_url)
