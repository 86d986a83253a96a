"""The baseline: a full-body strategy, as generic Graph/ARM "update resource" providers work.

Same Graph client, same validation, same resource ids as ``VirtualAppointmentProvider``; only
the request strategy differs:

- plan (``diff``, so every preview and every ``up``): GET the live appointment and compare it
  with the program (generic providers refresh every resource before planning);
- create: GET (does it exist?), then PUT every property; a GET for the ETag if the 201 has none;
- update: GET (the live ETag), then PATCH every property the program sets, with ``If-Match``
  of the ETag just read; a GET for the ETag if the 204 has none;
- refresh: GET; delete: DELETE (both inherited, as they are the same in either strategy).

Taking the ETag from a fresh GET instead of the recorded state is what such providers do, and
why they cannot notice that someone changed the appointment since the last deployment.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CreateResult, DiffResult, UpdateResult

from pulumi_virtualappointment._errors import NotFoundError
from pulumi_virtualappointment._model import IDENTITY_KEYS, has_unknown, managed, normalise_live, resource_path
from pulumi_virtualappointment._patch import encode, same_value
from pulumi_virtualappointment._provider import VirtualAppointmentProvider, _sentinels

__all__ = ["FullBodyProvider"]


class FullBodyProvider(VirtualAppointmentProvider):
    """GET on every plan; GET then a body of every property on every write."""

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds, news = _sentinels(olds), _sentinels(news)
        replaces = [k for k in IDENTITY_KEYS if olds.get(k) != news.get(k)]
        desired = managed(news)
        try:
            live = normalise_live(self._graph().get(id_).body or {})
        except NotFoundError:
            live = {}
        drift = any(k not in live or not same_value(k, live[k], v) for k, v in desired.items())
        return DiffResult(changes=bool(replaces or drift or has_unknown(desired)), replaces=replaces)

    def create(self, props: dict[str, Any]) -> CreateResult:
        path = resource_path(props["onlineMeetingId"], props.get("userId"))
        client = self._graph()
        try:
            client.get(path)
        except NotFoundError:
            pass
        answer = self._with_etag(client, path, client.put(path, encode(managed(props))))
        return CreateResult(path, self._outputs(props, answer))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self._graph()
        live = client.get(id_)
        answer = self._with_etag(client, id_, client.patch(id_, encode(managed(news)), live.etag or "*"))
        return UpdateResult(self._outputs(news, answer, olds.get("joinWebUrl")))
