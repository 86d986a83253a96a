"""Quick-start program: one virtualAppointment, every value from stack config.

    pulumi config set onlineMeetingId MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi
    pulumi config set externalAppointmentId AAMkADKnAAA=
    pulumi config set allowClientToJoinUsingBrowser true
    pulumi config set --path 'clients[0].email_address' gradya@contoso.com
"""

import pulumi

from pulumi_virtualappointment import VirtualAppointment, VirtualAppointmentSettingsArgs

config = pulumi.Config()
allow_browser = config.get_bool("allowClientToJoinUsingBrowser")

appointment = VirtualAppointment(
    "appointment",
    online_meeting_id=config.require("onlineMeetingId"),
    user_id=config.get("userId"),
    settings=None if allow_browser is None else VirtualAppointmentSettingsArgs(allow_browser),
    appointment_clients=config.get_object("clients"),
    external_appointment_id=config.get("externalAppointmentId"),
    external_appointment_url=config.get("externalAppointmentUrl"),
    adopt_existing=config.get_bool("adoptExisting") or False,
)

pulumi.export("id", appointment.id)
pulumi.export("etag", appointment.etag)
pulumi.export("joinWebUrl", appointment.join_web_url)
