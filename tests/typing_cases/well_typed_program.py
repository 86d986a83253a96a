"""A program the type checker must pass without an error (tests/test_typing.py); never run."""
import pulumi
from pulumi_virtualappointment import OnlineMeeting, OnlineMeetingArgs, VirtualAppointment

meeting = OnlineMeeting("m", external_id="booking-1", subject="Consultation", allow_meeting_chat="limited")
other = OnlineMeeting("n", OnlineMeetingArgs(external_id="booking-2"), pulumi.ResourceOptions(protect=True))
visit = VirtualAppointment("v", online_meeting_id=meeting.online_meeting_id)
link: pulumi.Output[str] = meeting.virtual_appointment_join_web_url
