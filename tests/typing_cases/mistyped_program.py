"""A program with mistakes a type checker must find (tests/test_typing.py); never run."""
from pulumi_virtualappointment import OnlineMeeting

OnlineMeeting("m", external_id="booking-1", subjct="Consultation")
OnlineMeeting("n", subject="no external id")
OnlineMeeting("o", external_id=42)
