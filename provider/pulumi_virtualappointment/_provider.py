"""The dynamic resource provider: Pulumi's lifecycle mapped onto Graph requests.

The SDK pickles the provider (dill) into every resource's state. This class therefore holds
no instance attributes at construction: it pickles by reference in a few dozen bytes, carries
no secret, and gets its Graph client in :meth:`configure` (or lazily, outside the engine).

Where behaviour depends on the engine, the comments cite pulumi/pulumi at commit 1b59498
(``pkg/resource/deploy/step_generator.go``, ``step.go``; ``sdk/python/lib/pulumi/dynamic/__main__.py``).

Identity, and why a replacement never deletes what the new resource manages:

- An online meeting id names its organiser, so ``onlineMeetingId`` alone picks the appointment.
  ``userId`` only says how to address it (``/me`` or ``/users/{id}``, ids and UPNs
  case-insensitive): changing it cannot reach another appointment, so it is an update that checks
  the new address reaches the appointment, never a replacement. Paths are always derived from the
  latest recorded properties, and a refresh moves the resource id to match.
- A change of ``onlineMeetingId`` replaces. The engine creates the new resource first and
  deletes the old one after every create and update of the run (step_generator.go:2164). If
  both address one appointment (a forced replacement: ``replace_on_changes``, ``--replace``), the
  create adopts it and the delete would remove it; so every create records the meeting it now
  manages, and a delete of that meeting in the same provider process leaves it in place.
"""

from __future__ import annotations

import os
import sys
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
    GraphResponseError,
    GraphTransportError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    ThrottledError,
)
from ._model import (
    IDENTITY_KEYS,
    MANAGED_KEYS,
    UNKNOWN,
    LiveValueError,
    checked_resource_id,
    describe_failure,
    has_unknown,
    managed,
    normalise_live,
    parse_resource_path,
    resource_path,
    same_user,
    validate,
)
from ._patch import encode, minimal_patch, same_value

__all__ = ["VirtualAppointmentProvider", "PROVIDER_KEY"]

PROVIDER_KEY = "__provider"
_LOCK = threading.Lock()
_PATCH_ROUNDS = 3
_CLAIMED: set[str] = set()
"""Meetings whose appointment a create in this provider process now manages (see the module doc)."""


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


def _path(props: Mapping[str, Any]) -> str:
    return resource_path(props["onlineMeetingId"], props.get("userId"))


def _live(answer: GraphResponse) -> dict[str, Any]:
    """The managed values Graph answered with; a member of a shape Graph never sends is an error."""
    try:
        return normalise_live(answer.body or {})
    except LiveValueError as exc:
        raise answer.invalid(f"Graph's virtualAppointment has {exc}") from None


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
        f"The virtualAppointment {path} changed outside this program since the last deployment, {outcome}: "
        "run `pulumi refresh` to accept the change into the stack's state, then `pulumi up` to apply the program "
        f"on top of it. ({detail})"
    )


def _refused(etag: Optional[str], cause: GraphResponseError) -> str:
    return f"Graph refused the recorded ETag {etag}: {cause.summary()}"


def _exists(path: str) -> AppointmentExistsError:
    return AppointmentExistsError(
        f"The online meeting already has a virtualAppointment ({path}), so it was not created "
        "and nothing was changed. To manage the existing appointment from this program, set "
        "adopt_existing=True (adoptExisting) on the resource; the next `pulumi up` then changes "
        "only the properties the program declares."
    )


def _note(message: str) -> None:
    """A line on the provider host's stderr (``pulumi.log`` is not available in a provider)."""
    print(f"pulumi-virtualappointment: {message}", file=sys.stderr, flush=True)


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
        """The process's client, bounded as one operation (msgraph:operationTimeoutSeconds)."""
        client = getattr(self, "_client", None)
        if client is None:
            with _LOCK:
                if getattr(self, "_client", None) is None:
                    config_get = getattr(self, "_config_get", lambda key: None)
                    settings = resolve_settings(config_get, os.environ)
                    self._client = GraphClient(settings, token_source(settings))
                client = self._client
        return client.for_operation()

    # -- pure steps ----------------------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = {k: _sentinels(v) for k, v in news.items() if k != PROVIDER_KEY}
        normalised, failures = validate(props)
        if failures:
            return CheckResult(props, [CheckFailure(f.path, describe_failure(f)) for f in failures])
        return CheckResult(normalised, [])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """No change: ``changes=False``. A change: ``changes=None`` (DIFF_UNKNOWN, __main__.py:117),
        which makes the engine work out the changed keys from the inputs (step_generator.go:2996),
        so ``replace_on_changes`` and the preview's detail work; the SDK's ``DiffResult`` has no
        field for them. ``replaces`` names only ``onlineMeetingId`` (see the module doc)."""
        olds, news = _sentinels(olds), _sentinels(news)
        replaces = [] if olds.get("onlineMeetingId") == news.get("onlineMeetingId") else ["onlineMeetingId"]
        readdressed = not same_user(olds.get("userId"), news.get("userId"))
        desired = managed(news)
        unknown = has_unknown(desired)
        body = {} if unknown else minimal_patch(managed(olds), desired)
        changed = bool(replaces or readdressed or body or unknown)
        return DiffResult(changes=None if changed else False, replaces=replaces)

    # -- network steps ---------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        props = _sentinels(props)
        path, desired, adopt = _path(props), managed(props), bool(props.get("adoptExisting"))
        client = self._graph()
        try:
            live = client.get(path)
        except NotFoundError:
            try:
                answer = self._put(client, path, desired)
            except PreconditionFailedError:  # created by another writer since the GET: not ours
                if not adopt:
                    raise _exists(path) from None
                answer = self._adopt(client, path, client.get(path), desired)
        else:
            if not adopt:
                raise _exists(path)
            answer = self._adopt(client, path, live, desired)
        with _LOCK:
            _CLAIMED.add(props["onlineMeetingId"])
        return CreateResult(path, self._outputs(props, answer))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        olds, news = _sentinels(olds), _sentinels(news)
        path = _path(news)
        applied, desired = managed(olds), managed(news)
        body = minimal_patch(applied, desired)
        readdressed = not same_user(olds.get("userId"), news.get("userId"))
        client = self._graph() if body or readdressed else None
        if readdressed:
            self._reach(client, path, _path(olds), news.get("userId"))
        if client is None or not body:
            kept = GraphResponse(204, None, olds.get("etag"), None, "")
            return UpdateResult(self._outputs(news, kept, olds.get("joinWebUrl")))
        etag = olds.get("etag") or self._current_etag(client, path, body, applied)
        answer = self._patch(client, path, body, etag, applied, desired)
        return UpdateResult(self._outputs(news, answer, olds.get("joinWebUrl")))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh (the recorded outputs name the appointment) or ``get`` (only the id does).

        A refresh of a deleted appointment answers an empty id, which the engine records as gone
        (step.go:1616). A ``get`` must fail instead: the dynamic host always adds the provider
        key to the outputs (__main__.py:218), so the engine never sees the "no outputs" that it
        reports as missing (step.go:1366)."""
        props = _sentinels(props)
        refresh = "onlineMeetingId" in props
        path = _path(props) if refresh else self._checked_id(id_)
        try:
            live = self._graph().get(path)
        except NotFoundError as exc:
            if refresh:
                return ReadResult("", {})
            raise exc.retold(
                f"VirtualAppointment.get found no virtualAppointment at {id_}: check the online meeting id and "
                "the user in that id."
            ) from None
        values = _live(live)
        if refresh:  # the recorded outputs say what is managed
            inputs = {k: props[k] for k in (*IDENTITY_KEYS, "adoptExisting") if props.get(k) is not None}
            keys = [k for k in MANAGED_KEYS if k in props]
        else:  # a `get` by id passes no properties: everything Graph holds is read
            meeting, user = parse_resource_path(path)
            inputs = {"onlineMeetingId": meeting, **({"userId": user} if user else {})}
            keys = list(MANAGED_KEYS)
        inputs.update({k: values[k] for k in keys if k in values})
        return ReadResult(path, self._outputs(inputs, live), inputs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        props = _sentinels(props)
        meeting = props.get("onlineMeetingId")
        with _LOCK:
            claimed = meeting in _CLAIMED
        if claimed:  # a replacement's new resource manages this appointment now: keep it
            _note(f"kept {id_}: another resource created or adopted in this deployment manages it")
            return
        try:
            self._graph().delete(_path(props) if meeting else self._checked_id(id_))
        except NotFoundError:
            pass

    # -- helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _checked_id(id_: Any) -> str:
        """An id given to ``get``, refused before any request when it is not a usable one."""
        try:
            return checked_resource_id(id_)
        except ValueError as exc:
            raise InvalidInputError(f"VirtualAppointment.get: {exc}") from None

    @staticmethod
    def _reach(client: GraphClient, path: str, old_path: str, user: Optional[str]) -> None:
        """A new ``userId`` must reach the appointment the resource manages before it is recorded."""
        try:
            client.get(path)
        except NotFoundError as exc:
            raise exc.retold(
                f"user_id {user or '(unset: the signed-in user)'} does not reach this appointment, so nothing "
                f"was changed and the resource still addresses {old_path}. An online meeting id already names "
                "its organiser: user_id can only say who that is (unset means the signed-in user)."
            ) from None

    @staticmethod
    def _outputs(inputs: Mapping[str, Any], answer: GraphResponse, join_web_url: Optional[str] = None) -> dict:
        """Outputs repeat every input, plus the ETag and the live join URL."""
        outs = {k: v for k, v in inputs.items() if k != PROVIDER_KEY and v is not None}
        join = _live(answer).get("appointmentClientJoinWebUrl") or inputs.get("appointmentClientJoinWebUrl") or join_web_url
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
        if not _equal_on({*body, *desired}, _live(live), desired):
            raise _conflict(path, "it was changed again right after this deployment wrote it", written=True)
        return live

    @staticmethod
    def _current_etag(client: GraphClient, path: str, body: dict, applied: dict) -> str:
        """No ETag was recorded (Graph sent none): read it now, and only if nothing this program
        manages changed since, so If-Match still guards the write."""
        live = client.get(path)
        if not _equal_on({*body, *applied}, _live(live), applied):
            raise _conflict(path, "its managed values differ from those recorded")
        return live.etag or "*"

    def _put(self, client: GraphClient, path: str, desired: dict) -> GraphResponse:
        """PUT with ``If-None-Match: *``: Graph refuses (412) if an appointment appeared since the
        GET, so a create never replaces one it does not own. When the answer is lost or ambiguous
        (no response, 504), re-read before anything is sent again: a create is never applied twice."""
        try:
            answer = client.put(path, encode(desired), if_none_match="*")
        except (GraphTransportError, ThrottledError) as exc:
            if getattr(exc, "status", None) not in (None, 504):
                raise
            try:
                live = client.get(path)
            except NotFoundError:  # the first PUT was not applied: sending it again is safe
                answer = client.put(path, encode(desired), if_none_match="*")
            else:
                if not _equal_on(desired.keys(), _live(live), desired):
                    raise
                return live
        return self._confirm(client, path, answer, desired, desired)

    def _adopt(self, client: GraphClient, path: str, live: GraphResponse, desired: dict) -> GraphResponse:
        values = _live(live)
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
            values, keys = _live(live), {*body, *desired, *applied}
            if _equal_on(keys, values, desired):
                return live
            if not live.etag or not _equal_on(keys, values, applied):
                raise _conflict(path, refused)
            etag = live.etag
        raise _conflict(path, refused)
