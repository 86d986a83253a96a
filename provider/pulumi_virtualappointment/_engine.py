"""The engine: Pulumi's lifecycle mapped onto Graph requests, once, for every resource kind.

A provider class is this engine plus a ``kind`` (``_model.Kind``: fields, identity, paths, API
version, create strategy). The minimal PATCH, the ETag guard and the read-compare-write without
one, 412 and lost-response handling, adoption, retries and errors live here; nothing here names
a kind.

The SDK pickles the provider (dill) into every resource's state. The classes therefore hold no
instance attributes at construction: they pickle by reference in a few dozen bytes, carry no
secret, and get their Graph client in :meth:`configure` (or lazily, outside the engine).

Where behaviour depends on the engine, the comments cite pulumi/pulumi at commit 1b59498
(``pkg/resource/deploy/step_generator.go``, ``step.go``; ``sdk/python/lib/pulumi/dynamic/__main__.py``).

Identity, and why a replacement never deletes what the new resource manages:

- Keys in ``kind.replaces`` force a replacement when they change; the other identity keys only
  re-address the object (a virtualAppointment's ``userId``: its meeting id already names the
  organiser), so their change is an update that first checks the new address reaches it. User
  ids and UPNs compare case-insensitively. Paths always derive from the latest recorded
  properties, and a refresh moves the resource id to match.
- A replacement of the same Graph object (one the engine decides itself: ``replace_on_changes``,
  ``replace_with``) deletes first: the Diff asks for delete-before-replace. Left to itself the
  engine creates the replacement first and deletes the old resource after every create and update
  of the run, or in a later run if this one fails (step_generator.go:2164); the create would adopt
  the object and the delete then remove it. A replacement the Diff names (a new meeting id, a new
  external id) is of another object and creates first, so a create that fails leaves the old one.
- ``pulumi up --replace`` still creates first (the engine decides it without asking the Diff).
  Every create therefore records the object it now manages (``kind.object_key``), and a delete of
  that object in the same provider process (the same deployment) leaves it in place; a delete is
  also guarded like an update, so one in a later run meets whatever the new resource wrote.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from typing import Any, ClassVar, Iterator, Mapping, Optional

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

from . import _sdk_host
from ._auth import token_source
from ._client import GraphClient, GraphResponse
from ._config import check_keys, environment_notes, resolve_settings
from ._errors import (
    ConflictError,
    ForbiddenError,
    GraphError,
    GraphTransportError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
    ThrottledError,
)
from ._model import UNKNOWN, Kind, LiveValueError, Text, checked_id, describe_failure, has_unknown, managed
from ._model import is_id, normalise_live, python_name, same_user, validate
from ._patch import encode, minimal_patch, same_value

__all__ = ["KindProvider", "PROVIDER_KEY"]

PROVIDER_KEY = "__provider"
_LOCK = threading.Lock()
_PATCH_ROUNDS = 3
_CLAIMED: set[tuple[str, str]] = set()
"""(kind, object) pairs a create in this provider process now manages (see the module doc)."""
_TEXT = Text()


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


def _same_identity(key: str, a: Any, b: Any) -> bool:
    return same_user(a, b) if key == "userId" else a == b


def _refused(etag: Optional[str], exc: PreconditionFailedError) -> str:
    """A 412's part in a conflict message: Graph's code and message for the recorded ETag, and the ids
    support needs (the path is said once, before)."""
    return (f"Graph answered HTTP 412 {exc.code or 'unknown code'} to the recorded ETag {etag}: "
            f"{exc.graph_message or '(no message)'} (request-id: {exc.request_id or 'none'}, "
            f"client-request-id: {exc.client_request_id or 'none'})")


def release(claim: tuple[str, str]) -> None:
    """Give back a claim on an object (a create that took it did not finish)."""
    with _LOCK:
        _CLAIMED.discard(claim)


def _note(message: str) -> None:
    """A line on the provider host's stderr (``pulumi.log`` is not available in a provider)."""
    print(f"pulumi-virtualappointment: {message}", file=sys.stderr, flush=True)


class _Lifecycle:
    """One kind's lifecycle steps over a client; stateless apart from the kind."""

    def __init__(self, kind: Kind):
        self.kind = kind

    # -- reading Graph's answers ---------------------------------------------------------------------

    def live(self, answer: GraphResponse) -> dict[str, Any]:
        """The managed values Graph answered with; a member of a shape Graph never sends is an error."""
        try:
            return normalise_live(self.kind, answer.body or {})
        except LiveValueError as exc:
            raise answer.invalid(f"Graph's {self.kind.name} has {exc}") from None

    def computed(self, answer: GraphResponse, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        """Outputs Graph fills in, from this answer's entity, else as the program set them, else as recorded."""
        body = answer.body or {}
        out = {}
        for output, graph_key in self.kind.from_body.items():
            value = body.get(graph_key)
            if value is not None:
                try:
                    value = _TEXT.live(value, graph_key)
                except LiveValueError as exc:
                    raise answer.invalid(f"Graph's {self.kind.name} has {exc}") from None
                if output == self.kind.object_key and not is_id(value):  # it goes into every later path
                    raise answer.invalid(f"Graph's {self.kind.name} has an {graph_key} that is not one: {value!r}")
            value = value or inputs.get(graph_key) or olds.get(output)
            if value:
                out[output] = value
        return out

    def outputs(self, inputs: Mapping[str, Any], answer: GraphResponse, olds: Optional[Mapping[str, Any]] = None) -> dict:
        """Outputs repeat every input, plus what Graph computes and the ETag."""
        olds = olds or {}
        outs = {k: v for k, v in inputs.items() if k != PROVIDER_KEY and v is not None}
        outs.update({k: olds[k] for k in self.kind.functions if olds.get(k)})
        outs.update(self.computed(answer, inputs, olds))
        if answer.etag:
            outs["etag"] = answer.etag
        return outs

    def functions(self, client: GraphClient, path: str) -> dict[str, Any]:
        """Outputs that come from a Graph function of the object (``{"value": "..."}``)."""
        out = {}
        for output, function in self.kind.functions.items():
            try:
                answer = client.get(f"{path}/{function}")
            except ForbiddenError as exc:
                raise exc.retold(
                    f"Reading {function} needs the delegated permission VirtualAppointment.Read (or "
                    "OnlineMeetings.Read) for the signed-in user, with consent granted; virtual appointments may also "
                    "need a licence (Teams Premium) in the tenant."
                ) from None
            value = (answer.body or {}).get("value")
            if not isinstance(value, str):
                raise answer.invalid(f"{function} answered without a string value")
            out[output] = value
        return out

    def equal_on(self, keys: Any, live: Mapping[str, Any], wanted: Mapping[str, Any], cleared: Any = ()) -> bool:
        """Whether Graph holds ``wanted`` on ``keys``. A key ``wanted`` does not name is unmanaged
        there, so any live value matches, unless the body ``cleared`` it (sent ``null``): then Graph
        holds none, or one it computes itself (a join URL)."""
        return all(
            (wanted.get(k) is None and (k not in cleared or live.get(k) is None or k in self.kind.graph_computed))
            or (live.get(k) is not None and wanted.get(k) is not None and same_value(self.kind, k, live[k], wanted[k]))
            for k in keys if k in self.kind.fields
        )

    @staticmethod
    def cleared(body: Mapping[str, Any]) -> set:
        return {k for k, v in body.items() if v is None}

    def narrowed(self, applied: Mapping[str, Any], desired: Mapping[str, Any], body: Mapping[str, Any]) -> dict:
        """The recorded values a write guards: each one the program still declares, as far as it
        declares it (a member it dropped is the object's own now), and what the body clears, as
        recorded. A value the program stopped managing is no longer compared with Graph's."""
        fields = self.kind.fields
        return {k: fields[k].project(v, desired[k]) if k in desired else v
                for k, v in applied.items() if k in fields and (k in desired or k in body)}

    def stale(self, applied: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
        """Whether the recorded values manage more than the program declares: a value or a member it
        dropped that the PATCH leaves as Graph has it (a kind that does not clear removed values)."""
        fields = self.kind.fields
        return any(k not in desired or fields[k].project(v, desired[k]) != v for k, v in applied.items() if k in fields)

    @staticmethod
    def guarded(body: Mapping[str, Any], applied: Mapping[str, Any], desired: Mapping[str, Any]) -> set:
        """What a write must not overwrite if it changed outside the program: what it sends, and what
        the program manages before and after it (a property the program stops managing and the body
        does not clear is the object's own from now on)."""
        return {*body, *(applied.keys() & desired.keys())}

    # -- messages -----------------------------------------------------------------------------------

    def conflict(self, path: str, detail: str, written: bool = False, deleting: bool = False) -> ConflictError:
        if deleting:
            outcome, then = "so it was not deleted", "`pulumi destroy` or `pulumi up` again"
        else:
            outcome = "after this deployment's write was applied" if written else "so nothing was written"
            then = "`pulumi up` to apply the program on top of it"
        return ConflictError(
            f"The {self.kind.name} changed outside this program since the last deployment, {outcome}: "
            f"run `pulumi refresh` to accept the change into the stack's state, then {then}. ({path}: {detail})"
        )

    def exists(self, path: str, why: str = "") -> Exception:
        """The refusal to take over an existing object: not this create's (``""``), perhaps this
        create's behind a gateway's 504 (``"gateway"``), or another resource's of this deployment
        (``"taken"``)."""
        messages = self.kind.exists_messages
        return self.kind.exists_error(messages.get(why, messages[""]).format(path=path))

    # -- writing ---------------------------------------------------------------------------------------

    def confirm(self, client: GraphClient, path: str, answer: GraphResponse, body: dict, desired: dict) -> GraphResponse:
        """A write's answer, as the live state: one with an ETag is taken as it is. Otherwise the
        answer's own entity (a 200 with a body), or one GET (a 204), must show what was just
        written; a property Graph computes and the write cleared is always re-read."""
        cleared = any(k in body and body[k] is None for k in self.kind.graph_computed)
        if answer.etag and not cleared:
            return answer
        if answer.body and not cleared and not self.kind.etags:  # the entity, and Graph gives no ETag
            if not self.equal_on({*body, *desired}, self.live(answer), desired, self.cleared(body)):
                differ = sorted(k for k in {*body, *desired}
                                if not self.equal_on([k], self.live(answer), desired, self.cleared(body)))
                raise answer.invalid(
                    f"Graph accepted the change but answered with other values for {', '.join(differ)}; the values "
                    "may need a licence, or be ones Graph does not let this user set"
                )
            return answer
        live = client.get(path)
        if not self.equal_on({*body, *desired}, self.live(live), desired, self.cleared(body)):
            raise self.conflict(path, "it was changed again right after this deployment wrote it", written=True)
        return live

    def read_before_write(self, client: GraphClient, path: str, body: dict, applied: dict,
                          desired: dict) -> tuple[Optional[GraphResponse], Optional[str]]:
        """No ETag was recorded (Graph gives none for the kind): read the object now. If it already
        holds what this update wants and nothing else it manages moved (an earlier attempt's write
        landed), that is the answer; if what this program manages still holds what the state
        recorded, write, with If-Match when the read brought an ETag; otherwise refuse
        (read-compare-write: weaker than If-Match, as a change between this read and the write goes
        unseen)."""
        live = client.get(path)
        values = self.live(live)
        untouched = self.guarded(body, applied, desired) - body.keys()
        landed = (self.equal_on(body, values, desired, self.cleared(body))
                  and self.equal_on(untouched, values, applied)
                  and not any(k in applied and values.get(k) is not None and same_value(self.kind, k, values[k], applied[k])
                              for k in self.cleared(body)))  # a cleared value still there was not cleared
        if landed:
            return live, None
        if not self.equal_on(self.guarded(body, applied, desired), values, applied):
            raise self.conflict(path, "its managed values differ from those recorded")
        return None, live.etag

    def patch(self, client: GraphClient, path: str, body: dict, etag: Optional[str], applied: dict,
              desired: dict) -> GraphResponse:
        """PATCH (with If-Match when an ETag is known); a 412 is re-read and judged on the managed
        values only.

        - Graph already holds ``desired``: our own earlier attempt was applied but its response
          was lost; that is success, with the live ETag.
        - Graph still holds ``applied`` (what the state recorded): the ETag moved for a change the
          program does not manage, so nothing of anyone's can be overwritten; PATCH again with
          the live ETag (a bounded number of times).
        - Otherwise a managed value changed outside this program: refresh first.
        """
        for _ in range(_PATCH_ROUNDS):
            try:
                return self.confirm(client, path, client.patch(path, encode(body), etag), body, desired)
            except PreconditionFailedError as exc:
                refused = _refused(etag, exc)
            live = client.get(path)
            values, keys = self.live(live), self.guarded(body, applied, desired)
            if self.equal_on(keys, values, desired, self.cleared(body)):
                return live
            if not live.etag or not self.equal_on(keys, values, applied):
                raise self.conflict(path, refused)
            etag = live.etag
        raise self.conflict(path, refused)

    def adopt(self, client: GraphClient, path: str, live: GraphResponse, desired: dict) -> GraphResponse:
        """Take over an existing object: PATCH only what differs from what it holds."""
        values = self.live(live)
        applied = {k: values[k] for k in desired if k in values}
        body = minimal_patch(self.kind, applied, desired)
        if not body:
            return live
        return self.patch(client, path, body, live.etag, applied, desired)

    # -- creating --------------------------------------------------------------------------------------

    def create_by_put(self, client: GraphClient, props: dict, desired: dict) -> tuple[str, GraphResponse]:
        """GET first; 404: PUT with ``If-None-Match: *`` (Graph refuses with 412 if the object
        appeared since the GET, so a create never replaces one it does not own); exists: adopt
        or refuse."""
        path, adopt = self.kind.address(props), bool(props.get("adoptExisting"))
        try:
            live = client.get(path)
        except NotFoundError:
            try:
                return path, self.put(client, path, desired)
            except PreconditionFailedError:  # created by another writer since the GET: not ours
                if not adopt:
                    raise self.exists(path) from None
                return path, self.adopt(client, path, client.get(path), desired)
        if not adopt:
            raise self.exists(path)
        return path, self.adopt(client, path, live, desired)

    def put(self, client: GraphClient, path: str, desired: dict) -> GraphResponse:
        """PUT; when its answer is lost or ambiguous (no response, 504), re-read before anything is
        sent again, so a create is never applied twice. If the re-read finds nothing and the PUT sent
        again is refused (412), the first one landed late: it is ours when it holds what was sent."""
        try:
            answer = client.put(path, encode(desired), if_none_match="*")
        except (GraphTransportError, ThrottledError) as exc:
            if getattr(exc, "status", None) not in (None, 504):
                raise
            try:
                live = client.get(path)
            except NotFoundError:  # the first PUT was not applied (or not yet): sending it again is safe
                try:
                    answer = client.put(path, encode(desired), if_none_match="*")
                except PreconditionFailedError:
                    live = client.get(path)
                    if not self.equal_on(desired.keys(), self.live(live), desired):
                        raise
                    return live
            else:
                if not self.equal_on(desired.keys(), self.live(live), desired):
                    raise
                return live
        return self.confirm(client, path, answer, desired, desired)

    def create_or_get(self, client: GraphClient, props: dict,
                      desired: dict) -> tuple[str, GraphResponse, bool, tuple[str, str]]:
        """``createOrGet`` (idempotent by its key, so a lost answer is simply asked again): 201 is
        a new object, and what ``createOrGet`` does not take is then set with one minimal PATCH; if
        that fails, the new object is deleted again, so a failed create leaves nothing behind.

        200 is an existing one, whoever made it. It is this resource's only on evidence: an earlier
        attempt of this very create was sent and got no answer at all (so it may have made it), and
        the object holds what that attempt asked for. An answered attempt (429, 503, a 504 with a
        body) changed nothing, and equal values prove nothing (Teams' defaults match anyone's
        meeting). Any other is adopted only with ``adopt_existing``, else refused, nothing changed.
        One that another resource of this deployment created or adopted is refused even when
        adopting: the decision and the claim are one step under the lock, so two creates running at
        once cannot both take it. Returns the path, the live answer, whether this create made it,
        and the claim (given back by ``create`` if finishing the resource fails)."""
        kind = self.kind
        asked = {k: v for k, v in {**props, **desired}.items() if k in kind.create_keys and v is not None}
        answer = client.post(kind.create_path(props), encode(asked))
        computed = self.computed(answer, {}, {})
        if kind.object_key not in computed:
            raise answer.invalid(f"Graph's {kind.name} has no {kind.from_body.get(kind.object_key, kind.object_key)}")
        path = kind.address({**props, **computed})
        key = (kind.name, str(computed[kind.object_key]))
        if answer.status == 201:
            with self.claiming(path, key, allowed=True), self.undone_on_failure(client, path):
                return path, self.adopt(client, path, answer, desired), True, key
        made_by_us = answer.unanswered > 0 and self.equal_on([k for k in asked if k in kind.fields], self.live(answer), asked)
        why = "gateway" if 504 in answer.earlier else ""  # a gateway's 504 can hide a create that was made
        with self.claiming(path, key, allowed=made_by_us or bool(props.get("adoptExisting")), why=why):
            return path, self.adopt(client, path, answer, desired), False, key

    @contextlib.contextmanager
    def claiming(self, path: str, key: tuple[str, str], allowed: bool, why: str = "") -> Iterator[None]:
        """Claim the object for this create: refused if another create of this deployment has it
        (whatever ``allowed`` says), or if this create may not take it (``why`` picks the message);
        given back if what follows fails."""
        with _LOCK:
            if key in _CLAIMED:
                raise self.exists(path, "taken")
            if not allowed:
                raise self.exists(path, why)
            _CLAIMED.add(key)
        try:
            yield
        except BaseException:
            release(key)
            raise

    @contextlib.contextmanager
    def undone_on_failure(self, client: GraphClient, path: str) -> Iterator[None]:
        """Finishing an object this create made: if that fails, delete it again, then report."""
        try:
            yield
        except Exception:
            try:
                client.delete(path)
            except GraphError as cleanup:
                _note(f"the {self.kind.name} {path} this create made could not be deleted again: {cleanup}")
            else:
                _note(f"deleted the {self.kind.name} {path} this create had made, as finishing it failed")
            raise

    # -- the steps -----------------------------------------------------------------------------------

    def create(self, client: GraphClient, props: dict) -> CreateResult:
        desired = managed(self.kind, props)
        claim = None
        if self.kind.create == "put":
            (path, answer), made = self.create_by_put(client, props, desired), False
        else:
            path, answer, made, claim = self.create_or_get(client, props, desired)
        try:
            outs = self.outputs(props, answer)
            with self.undone_on_failure(client, path) if made else contextlib.nullcontext():
                outs.update(self.functions(client, path))
        except BaseException:
            if claim is not None:  # not created after all: the object is no resource's of this deployment
                release(claim)
            raise
        with _LOCK:
            _CLAIMED.add((self.kind.name, str(outs.get(self.kind.object_key))))
        return CreateResult(path, outs)

    def target(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """What addresses the object for an update: identity as the program now declares it, and
        what Graph computed (a meeting's id) as recorded."""
        return {**{k: olds[k] for k in self.kind.computed if k in olds},
                **{k: news[k] for k in self.kind.identity if k in news}}

    def update(self, client_for: Any, olds: dict, news: dict) -> UpdateResult:
        kind = self.kind
        path = kind.address(self.target(olds, news))
        applied, desired = managed(kind, olds), managed(kind, news)
        body = minimal_patch(kind, applied, desired)
        moved = [k for k in kind.identity if k not in kind.replaces and not _same_identity(k, olds.get(k), news.get(k))]
        client = client_for() if body or moved else None
        if moved:
            self.reach(client, path, kind.address(olds), moved, news)
        if client is None or not body:
            kept = GraphResponse(204, None, olds.get("etag"), None, "")
            return UpdateResult(self.outputs(news, kept, olds))
        etag, answer = olds.get("etag"), None
        guard = self.narrowed(applied, desired, body)
        if not etag:
            answer, etag = self.read_before_write(client, path, body, guard, desired)
        if answer is None:
            answer = self.patch(client, path, body, etag, guard, desired)
        return UpdateResult(self.outputs(news, answer, olds))

    def reach(self, client: GraphClient, path: str, old_path: str, moved: list, news: Mapping[str, Any]) -> None:
        """A new address must reach the object the resource manages before it is recorded."""
        try:
            client.get(path)
        except NotFoundError as exc:
            said = ", ".join(f"{python_name(k)} {news.get(k) or '(unset: the signed-in user)'}" for k in moved)
            raise exc.retold(
                f"{said} does not reach this {self.kind.name}, so nothing was changed and the resource still "
                f"addresses {old_path}. {self.kind.readdress_hint}"
            ) from None

    def read(self, client: GraphClient, id_: str, props: dict) -> ReadResult:
        """Refresh (the recorded outputs name the object) or ``get`` (only the id does).

        A refresh of a deleted object answers an empty id, which the engine records as gone
        (step.go:1616). A ``get`` must fail instead: the dynamic host always adds the provider
        key to the outputs (__main__.py:218), so the engine never sees the "no outputs" that it
        reports as missing (step.go:1366)."""
        kind = self.kind
        refresh = kind.object_key in props or any(k in props for k in kind.required)
        path = kind.address(props) if refresh else self.checked_id(id_)
        try:
            live = client.get(path)
        except NotFoundError as exc:
            if refresh:
                return ReadResult("", {})
            raise exc.retold(f"{kind.resource}.get found no {kind.name} at {id_}: {kind.get_hint}") from None
        values = self.live(live)
        if refresh:  # the recorded outputs say what is managed
            inputs = {k: props[k] for k in (*kind.identity, *kind.behaviour) if props.get(k) is not None}
            keys = [k for k in kind.fields if k in props]
        else:  # a `get` by id passes no properties: everything Graph holds is read
            body = live.body or {}
            inputs = {**kind.identity_of(path), **{k: body[k] for k in kind.identity_from_body if body.get(k)}}
            keys = list(kind.fields)
        inputs.update({k: kind.fields[k].project(values[k], props.get(k)) for k in keys if k in values})
        outs = self.outputs(inputs, live)  # what Graph says now; nothing carried over from the state
        outs.update(self.functions(client, path))
        return ReadResult(kind.address(outs), outs, inputs)

    def checked_id(self, id_: Any) -> str:
        """An id given to ``get``, refused before any request when it is not a usable one."""
        try:
            return checked_id(self.kind, id_)
        except ValueError as exc:
            raise InvalidInputError(f"{self.kind.resource}.get: {exc}") from None

    def delete(self, client_for: Any, id_: str, props: dict) -> None:
        """DELETE, guarded like an update: with the recorded ETag as If-Match (or, for a kind Graph
        gives no ETag, after a read), and only when what the program manages is still as
        recorded; a change to anything else is the object's to lose, a change to what the program
        manages is refused (refresh first). Gone is done."""
        kind = self.kind
        with _LOCK:
            claimed = (kind.name, str(props.get(kind.object_key))) in _CLAIMED
        if claimed:  # a replacement's new resource manages this object now: keep it
            _note(f"kept {id_}: another resource created or adopted in this deployment manages it")
            return
        client = client_for()
        path = kind.address(props) if kind.object_key in props else self.checked_id(id_)
        etag, refused = props.get("etag"), "its managed values differ from those recorded"
        try:
            if not etag:
                etag = self.unchanged(client, path, props, refused)
            client.delete(path, if_match=etag)
        except NotFoundError:
            return
        except PreconditionFailedError as exc:
            refused = _refused(etag, exc)
            try:
                client.delete(path, if_match=self.unchanged(client, path, props, refused) or "*")
            except NotFoundError:
                return
            except PreconditionFailedError:
                raise self.conflict(path, refused, deleting=True) from None

    def unchanged(self, client: GraphClient, path: str, props: dict, refused: str) -> Optional[str]:
        """Read the object before deleting it: its ETag, if the managed values are as recorded."""
        live = client.get(path)
        applied = managed(self.kind, props)
        if not self.equal_on(applied, self.live(live), applied):
            raise self.conflict(path, refused, deleting=True)
        return live.etag


class KindProvider(ResourceProvider):
    """A dynamic provider for one resource kind; subclasses only name their ``kind``."""

    kind: ClassVar[Kind]

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
        _sdk_host.install()  # first: in the SDK's host, our errors (this method's too) reach the CLI as their message
        self._config_get = req.config.get
        self._config_keys = list(getattr(req.config, "_props", None) or {})  # the whole stack config's keys
        self._client: Optional[GraphClient] = None
        check_keys(self._config_keys)  # a mistyped msgraph: key fails the preview, not a deployment
        for note in environment_notes(os.environ):
            _note(note)

    def _graph(self) -> GraphClient:
        """The process's client, bounded as one operation (msgraph:operationTimeoutSeconds), at
        this kind's API version unless msgraph:apiVersion says otherwise."""
        client = getattr(self, "_client", None)
        if client is None:
            with _LOCK:
                if getattr(self, "_client", None) is None:
                    config_get = getattr(self, "_config_get", lambda key: None)
                    settings = resolve_settings(config_get, os.environ, getattr(self, "_config_keys", ()))
                    self._client = GraphClient(settings, token_source(settings))
                client = self._client
        return client.for_operation(self.kind.api_version, self.kind.headers, self.kind.name)

    @property
    def _steps(self) -> _Lifecycle:
        return _Lifecycle(self.kind)

    # -- pure steps ----------------------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = {k: _sentinels(v) for k, v in news.items() if k != PROVIDER_KEY}
        normalised, failures = validate(self.kind, props)
        if failures:
            return CheckResult(props, [CheckFailure(f.path, describe_failure(self.kind, f)) for f in failures])
        return CheckResult(normalised, [])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """No change: ``changes=False``; nothing to send, but the recorded outputs hold a value the
        program dropped (a kind that leaves dropped values as Graph has them): ``changes=True``, so the
        engine's Update (which sends nothing) records outputs without it and it is no longer guarded.
        A change: ``changes=None`` (DIFF_UNKNOWN, __main__.py:117),
        which makes the engine work out the changed keys from the inputs (step_generator.go:2996),
        so ``replace_on_changes`` and the preview's detail work; the SDK's ``DiffResult`` has no
        field for them.

        ``delete_before_replace`` (which the engine takes from the Diff for replacements it decides
        itself too, step_generator.go:2043) is asked for exactly when the Diff names no identity key:
        then the engine's replacement is of the same object, and creating first would let the new
        resource adopt it and the old one's delete remove it.

        An identity value still unknown at preview (a meeting id from a meeting that is being
        updated: the dynamic host cannot preview outputs) is a change, not a replacement: at
        ``pulumi up`` the value is known and decides; a meeting that is really replaced shows as
        replaced on its own line."""
        kind = self.kind
        olds, news = _sentinels(olds), _sentinels(news)
        moved = [k for k in kind.identity if not _same_identity(k, olds.get(k), news.get(k))]
        replaces = [k for k in moved if k in kind.replaces and news.get(k) != UNKNOWN]
        desired, applied = managed(kind, news), managed(kind, olds)
        unknown = has_unknown(desired)
        body = {} if unknown else minimal_patch(kind, applied, desired)
        changed = bool(moved or body or unknown)
        if not changed:
            # Nothing to send, but the recorded outputs still hold a value the program dropped: an
            # update (which sends nothing) records outputs without it, so it is not guarded any more.
            # DIFF_SOME, not DIFF_UNKNOWN: the inputs may already agree (a state an earlier version kept).
            return DiffResult(changes=self._steps.stale(applied, desired), replaces=[])
        # A replacement the engine decides itself (replace_on_changes, replace_with) is of the same
        # object: delete it first. One this Diff names is of another object: create it first, so a
        # create that fails leaves the old one in place.
        return DiffResult(changes=None, replaces=replaces, delete_before_replace=not replaces)

    # -- network steps ---------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        with _standing_alone():
            return self._steps.create(self._graph(), _sentinels(props))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        with _standing_alone():
            return self._steps.update(self._graph, _sentinels(olds), _sentinels(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with _standing_alone():
            return self._steps.read(self._graph(), id_, _sentinels(props))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with _standing_alone():
            self._steps.delete(self._graph, id_, _sentinels(props))


@contextlib.contextmanager
def _standing_alone() -> Iterator[None]:
    """The provider host forwards the traceback and the CLI shows its last line: a GraphError
    raised while another was handled (the PUT's 404 after the GET's, a create undone after its
    join link failed) reaches it without the "During handling ..." chain, its message saying all."""
    try:
        yield
    except GraphError as exc:
        exc.__cause__, exc.__suppress_context__ = None, True
        raise

