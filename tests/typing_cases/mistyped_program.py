"""A program with mistakes a type checker must find (tests/test_typing.py); never run."""
from pulumi_virtualappointment import OnlineMeeting, VirtualAppointment

OnlineMeeting("m", external_id="booking-1", subjct="Consultation")
OnlineMeeting("n", subject="no external id")
OnlineMeeting("o", external_id=42)
VirtualAppointment("v", online_meeting_id="M", externl_appointment_id="x")
