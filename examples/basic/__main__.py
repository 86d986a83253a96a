"""One virtualAppointment: browser join allowed, one client, linked to the booking system."""

import pulumi

from pulumi_virtualappointment import (
    VirtualAppointment,
    VirtualAppointmentSettingsArgs,
    VirtualAppointmentUserArgs,
)

config = pulumi.Config()

appointment = VirtualAppointment(
    "consultation",
    online_meeting_id=config.get("onlineMeetingId") or "MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi",
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

pulumi.export("etag", appointment.etag)
pulumi.export("joinWebUrl", appointment.join_web_url)
