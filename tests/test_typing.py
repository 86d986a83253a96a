"""The resource classes as a type checker and ``help()`` see them.

Issue 17: ``OnlineMeeting("m", external_id=..., subjct=...)`` passed every check until it ran; the
classes now carry typed ``__init__`` overloads (both call forms, as Pulumi's generated SDKs have),
and mypy, run here on two small programs, finds the mistakes in one and nothing in the other.
``help(OnlineMeeting)`` shows the resource's own signature and text, not the SDK's props/provider.
"""

from __future__ import annotations

import inspect
import pydoc
from dataclasses import fields
from pathlib import Path

import pytest

from pulumi_virtualappointment import OnlineMeeting, OnlineMeetingArgs, VirtualAppointment, VirtualAppointmentArgs

CASES = Path(__file__).resolve().parent / "typing_cases"

mypy_api = pytest.importorskip("mypy.api", reason="mypy is in the test extras: pip install -e '.[test]'")


def _mypy(program: Path) -> list[str]:
    out, err, _ = mypy_api.run(["--no-incremental", "--follow-imports=silent", "--hide-error-context",
                                "--no-error-summary", "--show-error-codes", str(program)])
    assert not err, err
    return [line.split(":", 1)[1] for line in out.splitlines() if ": error:" in line]


def test_a_well_typed_program_type_checks_clean():
    assert _mypy(CASES / "well_typed_program.py") == []


def test_a_mistyped_keyword_a_missing_external_id_and_a_wrong_type_are_found():
    errors = _mypy(CASES / "mistyped_program.py")
    assert '4: error: Unexpected keyword argument "subjct" for overloaded function "OnlineMeeting"; did you mean ' \
           '"subject"?  [call-overload]' in errors
    assert any(e.startswith('5: error: No overload variant of "OnlineMeeting" matches argument types "str", "str"')
               for e in errors)
    assert any(e.startswith('6: error: No overload variant of "OnlineMeeting" matches argument types "str", "int"')
               for e in errors)
    assert any(e.startswith('7: error: Unexpected keyword argument "externl_appointment_id" for overloaded function '
                            '"VirtualAppointment"; did you mean "external_appointment_id"') for e in errors)


@pytest.mark.parametrize("cls,args", [(OnlineMeeting, OnlineMeetingArgs), (VirtualAppointment, VirtualAppointmentArgs)])
def test_help_shows_the_resources_own_signature_and_text(cls, args):
    signature = inspect.signature(cls)
    assert list(signature.parameters)[:3] == ["resource_name", "args", "opts"]
    keyword = [p.name for p in signature.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert keyword == [f.name for f in fields(args)]
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    header = text.split("Method resolution order:")[0]
    assert f"{cls.__name__}(resource_name: str, args: 'Optional[{args.__name__}]' = None" in header
    assert cls.__doc__.split("\n")[0].strip() in header
    assert "props" not in header and "ResourceProvider" not in header
    assert f"Declare a {cls.__name__}: ``{cls.__name__}(resource_name, {args.__name__}(...), opts)``" in text
