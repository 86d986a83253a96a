"""The baseline: a full-body strategy, as generic Graph/ARM "update resource" providers work.

A provider driven by the same resource descriptions (``Kind``: fields, paths, API version,
create strategy) as this package's, with the same Graph client, the same validation (``check``)
and the same outputs; only the request strategy differs:

- plan (``diff``, so every preview and every ``up``): GET the live object and compare it with
  the program (generic providers refresh every resource before planning). A refresh has just
  read it: the Diff the engine makes after each refresh Read reuses that read, so a refresh
  costs the baseline what it costs a generic provider, one GET;
- create: a kind created by PUT: GET (does it exist?), then PUT of every property. A kind
  created by ``createOrGet`` (an online meeting): the POST with the properties it takes, then a
  PATCH of every property. Then the outputs Graph computes, as this provider reads them (a
  meeting's virtual-appointment join link);
- update: GET (the live ETag), then PATCH of every property the program sets, ``If-Match`` the
  ETag just read, if any;
- a write answered with neither an ETag nor a body: one GET;
- delete: DELETE, without a precondition (404 counts as done);
- refresh: as this provider (GET, and a meeting's join link), inherited, so both record the same
  outputs.

Taking the ETag from a fresh GET instead of the recorded state is what such providers do, and
why they cannot notice that someone changed the object since the last deployment.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult
from pulumi.output import Unknown

from pulumi_virtualappointment import NotFoundError
from pulumi_virtualappointment._appointment import APPOINTMENT
from pulumi_virtualappointment._client import GraphClient, GraphResponse
from pulumi_virtualappointment._engine import PROVIDER_KEY, KindProvider
from pulumi_virtualappointment._meeting import MEETING
from pulumi_virtualappointment._model import UNKNOWN, managed, normalise_live
from pulumi_virtualappointment._patch import encode, same_value

__all__ = ["FullBodyProvider", "FullBodyAppointmentProvider", "FullBodyMeetingProvider"]


def _unknown(value: Any) -> bool:
    """Whether a value, or anything in it, is not known yet (a preview)."""
    if isinstance(value, Mapping):
        return any(_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_unknown(v) for v in value)
    return isinstance(value, Unknown) or value == UNKNOWN


class FullBodyProvider(KindProvider):
    """GET on every plan; GET then a body of every property on every write. Subclasses name a ``kind``."""

    def configure(self, req: Any) -> None:
        super().configure(req)
        self._just_read: dict[str, dict] = {}
        """Resource id -> the managed values a refresh Read just got, for the Diff that follows it."""

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        kind = self.kind
        replaces = [k for k in kind.replaces if olds.get(k) != news.get(k)]
        desired = managed(kind, news)
        live = getattr(self, "_just_read", {}).pop(id_, None)
        if live is None:
            try:
                live = normalise_live(kind, self._graph().get(id_).body or {})
            except NotFoundError:
                live = {}
        drift = any(k not in live or not same_value(kind, k, live[k], v) for k, v in desired.items())
        changes = bool(replaces or _unknown(desired) or drift)
        return DiffResult(changes=changes, replaces=replaces, delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        kind, client = self.kind, self._graph()
        desired = managed(kind, props)
        if kind.create == "put":
            path = kind.address(props)
            try:
                client.get(path)
            except NotFoundError:
                pass
            answer = client.put(path, encode(desired))
        else:
            asked = {k: v for k, v in props.items() if k in kind.create_keys and v is not None}
            created = client.post(kind.create_path(props), encode(asked))
            path = kind.address({**props, **self._computed(created, props, {})})
            answer = client.patch(path, encode(desired), created.etag)
        answer = self._confirmed(client, path, answer)
        return CreateResult(path, self._outputs(client, path, props, answer))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self._graph()
        live = client.get(id_)
        answer = self._confirmed(client, id_, client.patch(id_, encode(managed(self.kind, news)), live.etag))
        return UpdateResult(self._outputs(client, id_, news, answer, olds))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self._graph().delete(id_)
        except NotFoundError:
            pass

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        result = super().read(id_, props)
        if result.id and hasattr(self, "_just_read"):
            self._just_read[result.id] = managed(self.kind, result.outs or {})
        return result

    # -- answers ---------------------------------------------------------------------------------

    @staticmethod
    def _confirmed(client: GraphClient, path: str, answer: GraphResponse) -> GraphResponse:
        """A write's answer, or one GET when it carries neither an ETag nor the entity."""
        return answer if answer.etag or answer.body else client.get(path)

    def _computed(self, answer: GraphResponse, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> dict:
        body = answer.body or {}
        out = {}
        for output, graph_key in self.kind.from_body.items():
            value = body.get(graph_key) or inputs.get(graph_key) or olds.get(output)
            if value:
                out[output] = value
        return out

    def _outputs(self, client: GraphClient, path: str, inputs: Mapping[str, Any], answer: GraphResponse,
                 olds: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
        """The same outputs as this package's provider: every input, what Graph computes, the ETag."""
        olds = olds or {}
        outs = {k: v for k, v in inputs.items() if k != PROVIDER_KEY and v is not None}
        outs.update(self._computed(answer, inputs, olds))
        for output, function in self.kind.functions.items():
            outs[output] = olds.get(output) or (client.get(f"{path}/{function}").body or {}).get("value")
        if answer.etag:
            outs["etag"] = answer.etag
        return outs


class FullBodyAppointmentProvider(FullBodyProvider):
    """The full-body strategy for ``virtualAppointment``."""

    kind = APPOINTMENT


class FullBodyMeetingProvider(FullBodyProvider):
    """The full-body strategy for ``onlineMeeting``."""

    kind = MEETING
