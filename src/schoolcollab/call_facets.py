"""Calls of the chapters' package functions as facets: a chapter depends on what a call returned.

A chapter that shows one claim box reads the whole claims, ratings and links tables to make it, so
with field facets alone (:mod:`schoolcollab.facets`) any edit to a finding that changes those tables
executes it again, even when its box reads the same. Here a call such as
``sc.present.claim_box(ev, "pupil-impact-limited-mixed")``, made while a chapter executes in a build,
is recorded as one facet: the function, its arguments after the evidence base, and the digest of its
result. The fields it used are dropped in its favour. When the evidence files change, the build calls
the same function with the same arguments on the evidence base as it now is and compares digests;
equal digests mean the chapter would receive the same value. A call whose arguments or result have no
canonical form (a figure, a frame passed in) is not tracked: the fields it used are recorded instead,
as before, so nothing the chapter saw goes unrecorded.

Each recorded call also notes the fields it read; the build keeps their digests. While those fields have the
same digests now (and the package and the chapter's other inputs are unchanged, which the build checks
first), the call would return what it returned: the build does not make it again. An edit to one record
changes a few fields and leaves most calls' fields as they were.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from .facets import digest_value
from .inputs import (
    held_facets,
    holding_facets,
    record_call_uses,
    record_facet_digest,
    recording,
    release_facets,
)

CALL = "call:"  # call:<module>:<function>:<arguments as JSON>, the name of a call's facet
F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


def _arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """The arguments after the evidence base as compact JSON, or None when one has no exact JSON form
    (then the call cannot be made again from its record): scalars, and tuples, lists and dicts with
    text keys of them, each tagged so that it is revived as the same type."""

    def plain(value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float) and value == value and abs(value) != float("inf"):
            return value
        if type(value) in (tuple, list):  # exactly: a named tuple would come back as a plain one
            items = [plain(v) for v in value]
            return _NO if any(i is _NO for i in items) else {type(value).__name__: items}
        if type(value) is dict and all(isinstance(k, str) for k in value):
            pairs = [[k, plain(v)] for k, v in value.items()]  # in order: a table may follow it
            return _NO if any(v is _NO for _, v in pairs) else {"dict": pairs}
        return _NO

    values = [plain(a) for a in args] + [plain(v) for v in kwargs.values()]
    if any(v is _NO for v in values):
        return None
    return json.dumps(
        {"args": values[: len(args)], "kwargs": dict(zip(kwargs, values[len(args) :], strict=True))},
        separators=(",", ":"),
        sort_keys=True,
        ensure_ascii=True,  # one line of ASCII in the manifest, whatever the text
    )


_NO = object()


def _revive(value: Any) -> Any:
    """The argument :func:`_arguments` encoded as ``value``."""
    if not isinstance(value, dict):
        return value
    if "dict" in value:
        return {k: _revive(v) for k, v in value["dict"]}
    if "tuple" in value:
        return tuple(_revive(v) for v in value["tuple"])
    return [_revive(v) for v in value["list"]]


def call_name(module: str, function: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """The facet name of calling ``module.function(ev, *args, **kwargs)``; None if it cannot be recorded."""
    encoded = _arguments(args, kwargs)
    return None if encoded is None else f"{CALL}{module}:{function}:{encoded}"


class Drawn(Protocol[R_co]):
    """A function of the evidence base made by :func:`drawn_from`: ``draw(data(ev, ...))``."""

    @property
    def drawn_from(self) -> Callable[..., Any]: ...

    @property
    def draw(self) -> Callable[[Any], R_co]: ...

    def __call__(self, ev: Any, *args: Any, **kwargs: Any) -> R_co: ...


def drawn_from(data: Callable[..., Any]) -> Callable[[Callable[[Any], R]], Drawn[R]]:
    """Turn ``draw`` into ``f(ev, ...) = draw(data(ev, ...))``, tracked as the call of ``data``: a figure
    has no digest, but the numbers it draws have. ``data`` must be a module-level function (the build
    calls it again by name), and ``draw`` sees nothing of the evidence base but what ``data`` returns."""

    def make(draw: Callable[[Any], R]) -> Drawn[R]:
        def from_evidence(ev: Any, *args: Any, **kwargs: Any) -> R:
            return draw(data(ev, *args, **kwargs))

        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(from_evidence, attribute, getattr(draw, attribute))
        # called as data is: the evidence base and data's other parameters; returns what draw does
        params = list(inspect.signature(data).parameters.values())
        returns = inspect.signature(draw).return_annotation
        from_evidence.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
        from_evidence.drawn_from = data  # type: ignore[attr-defined]
        from_evidence.draw = draw  # type: ignore[attr-defined]
        return from_evidence  # type: ignore[return-value]

    return make


def tracked(fn: F, module: str, name: str) -> F:
    """``fn`` (whose first argument is the evidence base), recorded in a build as a call facet under
    ``module.name``, the importable name the build calls it by again; a function made by
    :func:`drawn_from` is recorded as the call of its data function. Outside a build it is ``fn``."""
    from .load import Evidence

    source = getattr(fn, "drawn_from", None)
    compute = source or fn
    if source is not None:
        module, name = source.__module__, source.__name__

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        # a call inside a tracked call is part of it: its fields go to the outer call's frame
        if holding_facets() or not recording() or not args or not isinstance(args[0], Evidence):
            return fn(*args, **kwargs)
        facet = call_name(module, name, args[1:], kwargs)
        try:
            with held_facets() as used:
                result = compute(*args, **kwargs)
        except BaseException:
            release_facets(used)  # it raised: the chapter fails, and what it used stays on record
            raise
        digest = digest_value(result) if facet is not None else "unstable"
        if digest == "unstable":
            release_facets(used)
        else:
            record_facet_digest(facet, digest)  # type: ignore[arg-type]  # facet is set when digest is
            record_call_uses(facet, list(used))  # type: ignore[arg-type]
        return fn.draw(result) if source is not None else result  # type: ignore[attr-defined]

    return call  # type: ignore[return-value]


def track_call(value: Any, module: str, name: str) -> Any:
    """``value`` tracked (:func:`tracked`) under ``module.name`` if it is a function whose first parameter
    is the evidence base, ``ev``; otherwise ``value`` itself."""
    if callable(value) and next(iter(inspect.signature(value).parameters), None) == "ev":
        return tracked(value, module, name)
    return value


def track_calls(namespace: dict[str, Any], module: str) -> None:
    """Track every function named in ``namespace["__all__"]`` (:func:`track_call`) under ``module``, the
    name the build imports it by."""
    for name in namespace["__all__"]:
        if name in namespace:
            namespace[name] = track_call(namespace[name], module, name)


def is_call(name: str) -> bool:
    return name.startswith(CALL)


def call_again(name: str, ev: Any, root: str) -> str:
    """The digest the call recorded as ``name`` gives now, on ``ev`` (the evidence base of the book at
    ``root`` as its files are now); "unstable" when it raises or cannot be made."""
    module, function, encoded = name.removeprefix(CALL).split(":", 2)
    try:
        fn = getattr(importlib.import_module(module), function)
        fn = getattr(fn, "__wrapped__", fn)
        spec = json.loads(encoded)
        args = [_revive(a) for a in spec["args"]]
        kwargs = {k: _revive(v) for k, v in spec["kwargs"].items()}
        with _as_a_kernel(root):
            return digest_value(fn(ev, *args, **kwargs))
    except Exception:  # noqa: BLE001 - a call that fails now fails in the chapter, which then says why
        return "unstable"


@contextmanager
def _as_a_kernel(root: str) -> Iterator[None]:
    """Inputs the call loads for itself (not through the evidence base) come from the book at ``root``
    and are read afresh, as in a chapter's new kernel; nothing loaded here is kept for later calls."""
    from . import load

    loaders = [f for f in vars(load).values() if callable(getattr(f, "cache_clear", None))]
    saved = os.environ.get("SCHOOLCOLLAB_ROOT")
    os.environ["SCHOOLCOLLAB_ROOT"] = root
    for loader in loaders:
        loader.cache_clear()
    try:
        yield
    finally:
        for loader in loaders:
            loader.cache_clear()
        if saved is None:
            os.environ.pop("SCHOOLCOLLAB_ROOT", None)
        else:
            os.environ["SCHOOLCOLLAB_ROOT"] = saved
