"""The dynamic resource provider: Pulumi's lifecycle mapped onto Graph requests.

The SDK pickles the provider (dill) into every resource's state. This class therefore holds
no instance attributes at construction: it pickles by reference in a few dozen bytes, carries
no secret, and gets its Graph client in :meth:`configure` (or lazily, outside the engine).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Mapping, Optional

from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from ._auth import token_source
from ._client import GraphClient, GraphResponse
from ._config import resolve_settings
from ._errors import (
    AppointmentExistsError,
    ConflictError,
    GraphError,
    GraphTransportError,
    NotFoundError,
    PreconditionFailedError,
    ThrottledError,
)
from ._model import (
    IDENTITY_KEYS,
    MANAGED_KEYS,
    UNKNOWN,
    describe_failure,
    has_unknown,
    managed,
    normalise_live,
    parse_resource_path,
    resource_path,
    validate,
)
from ._patch import encode, minimal_patch, same_value

__all__ = ["VirtualAppointmentProvider", "PROVIDER_KEY"]

PROVIDER_KEY = "__provider"
_LOCK = threading.Lock()
_PATCH_ROUNDS = 3


def _sentinels(value: Any) -> Any:
    """Plain values for the pure model. The provider host hands preview-unknown values over as
    ``Unknown`` objects (the model knows the wire sentinel string), and a host that sends
    secrets wraps them in a marker dict: the value inside is what Graph gets."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if rpc.is_rpc_secret(value):
        return _sentinels(rpc.unwrap_rpc_secret(value))
    if isinstance(value, Mapping):
        return {k: _sentinels(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_sentinels(v) for v in value]
    return value


def _equal_on(keys: Any, live: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether Graph holds ``wanted`` on ``keys``. A join URL the program does not set (or
    cleared) is Graph's to compute, so any live value of it matches."""
    return all(
        (wanted.get(k) is None and (live.get(k) is None or k == "appointmentClientJoinWebUrl"))
        or (live.get(k) is not None and wanted.get(k) is not None and same_value(k, live[k], wanted[k]))
        for k in keys
    )


def _conflict(path: str, detail: str, written: bool = False) -> ConflictError:
    outcome = "after this deployment's write was applied" if written else "so nothing was written"
    return ConflictError(
        f"The virtualAppointment {path} changed outside this program since the last deployment "
        f"({detail}), {outcome}. Run `pulumi refresh` to see the change and accept it "
        "into the stack's state, then `pulumi up` to apply this program on top of it."
    )


def _refused(etag: Optional[str], cause: GraphError) -> str:
    return f"Graph no longer accepts the recorded ETag {etag}. Graph said: {cause}"


class VirtualAppointmentProvider(ResourceProvider):
    """Manages ``.../onlineMeetings/{id}/virtualAppointment`` with minimal, ETag-guarded PATCHes."""

    serialize_as_secret_always = False
    """The serialized provider holds no secret (credentials live only in the provider process)."""

    def __getstate__(self) -> None:
        """Pickle nothing but the class reference: a configured provider holds the stack config
        (secrets decrypted) and a client, and neither may ever reach state. ``None`` (not ``{}``)
        keeps dicts out of the pickle: the SDK's serializer stacks a wrapper on the dict pickler
        per resource, and pickling any dict then overflows the stack after a few thousand."""
        return None

    # -- configuration -------------------------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the stack config reader; the client is built on first use, so check and diff
        (which need no network) work even where no credentials are configured."""
        self._config_get = req.config.get
        self._client: Optional[GraphClient] = None

    def _graph(self) -> GraphClient:
        client = getattr(self, "_client", None)
        if client is not None:
            return client
        with _LOCK:
            if getattr(self, "_client", None) is None:
                config_get = getattr(self, "_config_get", lambda key: None)
                settings = resolve_settings(config_get, os.environ)
                self._client = GraphClient(settings, token_source(settings))
            return self._client

    # -- pure steps ----------------------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = {k: _sentinels(v) for k, v in news.items() if k != PROVIDER_KEY}
        normalised, failures = validate(props)
        if failures:
            return CheckResult(props, [CheckFailure(f.path, describe_failure(f)) for f in failures])
        return CheckResult(normalised, [])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds, news = _sentinels(olds), _sentinels(news)
        replaces = [k for k in IDENTITY_KEYS if olds.get(k) != news.get(k)]
        desired = managed(news)
        unknown = has_unknown(desired)
        body = {} if unknown else minimal_patch(managed(olds), desired)
        return DiffResult(changes=bool(replaces or body or unknown), replaces=replaces)

    # -- network steps ---------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        props = _sentinels(props)
        path = resource_path(props["onlineMeetingId"], props.get("userId"))
        desired = managed(props)
        client = self._graph()
        try:
            live = client.get(path)
        except NotFoundError:
            answer = self._put(client, path, desired)
        else:
            if not props.get("adoptExisting"):
                raise AppointmentExistsError(
                    f"The online meeting already has a virtualAppointment ({path}), so it was not created "
                    "and nothing was changed. To manage the existing appointment from this program, set "
                    "adopt_existing=True (adoptExisting) on the resource; the next `pulumi up` then changes "
                    "only the properties the program declares."
                )
            answer = self._adopt(client, path, live, desired)
        return CreateResult(path, self._outputs(props, answer))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds, news = _sentinels(olds), _sentinels(news)
        path = id_ or resource_path(news["onlineMeetingId"], news.get("userId"))
        applied, desired = managed(olds), managed(news)
        body = minimal_patch(applied, desired)
        if not body:
            kept = GraphResponse(204, None, olds.get("etag"), None, "")
            return UpdateResult(self._outputs(news, kept, olds.get("joinWebUrl")))
        client = self._graph()
        etag = olds.get("etag") or self._current_etag(client, path, body, applied)
        answer = self._patch(client, path, body, etag, applied, desired)
        return UpdateResult(self._outputs(news, answer, olds.get("joinWebUrl")))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            live = self._graph().get(id_)
        except NotFoundError:
            return ReadResult("", {})
        values = normalise_live(live.body or {})
        if "onlineMeetingId" in props:  # refresh: the recorded outputs say what is managed
            inputs = {k: props[k] for k in (*IDENTITY_KEYS, "adoptExisting") if props.get(k) is not None}
            keys = [k for k in MANAGED_KEYS if k in props]
        else:  # a `get` by id passes no properties: everything Graph holds is read
            meeting, user = parse_resource_path(id_)
            inputs = {"onlineMeetingId": meeting, **({"userId": user} if user else {})}
            keys = list(MANAGED_KEYS)
        inputs.update({k: values[k] for k in keys if k in values})
        return ReadResult(id_, self._outputs(inputs, live), inputs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self._graph().delete(id_)
        except NotFoundError:
            pass

    # -- helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _outputs(inputs: Mapping[str, Any], answer: GraphResponse, join_web_url: Optional[str] = None) -> dict:
        """Outputs repeat every input, plus the ETag and the live join URL."""
        outs = {k: v for k, v in inputs.items() if k != PROVIDER_KEY and v is not None}
        body = answer.body if isinstance(answer.body, Mapping) else {}
        join = body.get("appointmentClientJoinWebUrl") or inputs.get("appointmentClientJoinWebUrl") or join_web_url
        if answer.etag:
            outs["etag"] = answer.etag
        if join:
            outs["joinWebUrl"] = join
        return outs

    @staticmethod
    def _confirm(client: GraphClient, path: str, answer: GraphResponse, body: dict, desired: dict) -> GraphResponse:
        """A write's answer with the live ETag. A 204 may carry no ETag, and a cleared join URL is
        recomputed by Graph: then one GET learns them, and it must show what was just written."""
        if answer.etag and not ("appointmentClientJoinWebUrl" in body and body["appointmentClientJoinWebUrl"] is None):
            return answer
        live = client.get(path)
        if not _equal_on({*body, *desired}, normalise_live(live.body or {}), desired):
            raise _conflict(path, "it was changed again right after this deployment wrote it", written=True)
        return live

    @staticmethod
    def _current_etag(client: GraphClient, path: str, body: dict, applied: dict) -> str:
        """No ETag was recorded (Graph sent none): read it now, and only if nothing this program
        manages changed since, so If-Match still guards the write."""
        live = client.get(path)
        if not _equal_on({*body, *applied}, normalise_live(live.body or {}), applied):
            raise _conflict(path, "its managed values differ from those recorded")
        return live.etag or "*"

    def _put(self, client: GraphClient, path: str, desired: dict) -> GraphResponse:
        """PUT; when its answer is lost or ambiguous (no response, 504), re-read before anything
        is sent again, so a create is never applied twice."""
        try:
            answer = client.put(path, encode(desired))
        except (GraphTransportError, ThrottledError) as exc:
            if getattr(exc, "status", None) not in (None, 504):
                raise
            try:
                live = client.get(path)
            except NotFoundError:  # the first PUT was not applied: sending it again is safe
                answer = client.put(path, encode(desired))
            else:
                if not _equal_on(desired.keys(), normalise_live(live.body or {}), desired):
                    raise
                return live
        return self._confirm(client, path, answer, desired, desired)

    def _adopt(self, client: GraphClient, path: str, live: GraphResponse, desired: dict) -> GraphResponse:
        values = normalise_live(live.body or {})
        applied = {k: values[k] for k in desired if k in values}
        body = minimal_patch(applied, desired)
        if not body:
            return live
        return self._patch(client, path, body, live.etag or "*", applied, desired)

    def _patch(self, client: GraphClient, path: str, body: dict, etag: str, applied: dict, desired: dict) -> GraphResponse:
        """PATCH with If-Match; a 412 is re-read and judged on the managed values only.

        - Graph already holds ``desired``: our own earlier attempt was applied but its response
          was lost; that is success, with the live ETag.
        - Graph still holds ``applied`` (what the state recorded): the ETag moved for a change the
          program does not manage, so nothing of anyone's can be overwritten; PATCH again with
          the live ETag (a bounded number of times).
        - Otherwise a managed value changed outside this program: refresh first.
        """
        for _ in range(_PATCH_ROUNDS):
            try:
                return self._confirm(client, path, client.patch(path, encode(body), etag), body, desired)
            except PreconditionFailedError as exc:
                refused = _refused(etag, exc)
            live = client.get(path)
            values, keys = normalise_live(live.body or {}), {*body, *desired, *applied}
            if _equal_on(keys, values, desired):
                return live
            if not live.etag or not _equal_on(keys, values, applied):
                raise _conflict(path, refused)
            etag = live.etag
        raise _conflict(path, refused)
