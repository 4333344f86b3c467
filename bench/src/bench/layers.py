"""Which layer of the stack a CPU sample belongs to: every collapsed stack py-spy records
is charged to exactly one layer, so the layers' shares add up to the whole CPU profile.

A stack is read **from the leaf up** (the frame that was running, then its callers) and
is charged to the first frame that belongs to a known package (``RULES``). Frames of no
known package (``typing``, ``inspect``, ``contextlib``, ``functools``, ``logging``,
``django/utils`` ...) are plumbing and are skipped: their time belongs to whoever called
them. Leaf-first is the honest direction because it charges each layer its *own* Python,
never the layers below it that it merely calls:

- a ``psycopg`` call made by the Django ORM is **driver** time; the **ORM** layer is the
  ORM's own Python (building the SQL, turning rows into model instances). Django's and
  SQLAlchemy's database wrappers (``django/db/backends``, ``sqlalchemy/dialects``) are
  the ORM's Python too: they are not the driver, they call it.
- a token check is **token** time whether the app or the framework's dependency called
  it; the route that called it gets only its own frames.
- a root-first rule would charge everything to ``uvicorn``/``gunicorn`` (always at the
  bottom of the stack) and say nothing.

Some stdlib modules have a layer only as a last resort (``FALLBACK_RULES``): ``asyncio``,
``selectors``, ``socket``, ``threading``, ``concurrent/futures`` are the event loop and
the server's thread pool when nothing above them claims the stack, but an
``asyncio.wait_for`` inside asyncpg's pool is the driver's (it is the driver waiting on
its own pool), and ``socket.sendall`` called by gunicorn is the server's by its first rule.
A stack with no frame of any known package is **other**, and so is a sample with no
Python frame at all (a thread in native code only).

Idle is excluded, not classified: py-spy records a thread only while the OS reports it
runnable (``py-spy record`` without ``--idle``: state ``R`` in ``/proc``), so the event
loop blocked in ``epoll_wait``, gunicorn gthread's threads waiting for a connection or
for the GIL, and the master process sleeping are not in the profile. State ``R`` is
running *or waiting in the run queue for a core*: on a machine with a core free for
every runnable thread the samples are CPU time; on an oversubscribed one they also hold
the waits, and most of all at the event loop's frame (a loop woken from ``epoll_wait``
waits for a core there). ``bench.profile.Recording`` keeps the sampled seconds beside
the CPU seconds and the run-queue seconds measured (schedstat), so a profile taken that
way says so (on this shared machine: 4.7 s sampled = 0.8 s CPU + 4.3 s queued).

What a Python-frame profile cannot split: C and Rust extensions (orjson, pydantic-core,
asyncpg's Cython protocol, httptools, uvloop, cryptography) have no frames of their own,
so their time is charged to the Python frame that called them: ``orjson.dumps`` called
from ``fastapi/responses.py`` is JSON, but called from app code it is app; pydantic-core
is validation through ``pydantic/``'s frames; asyncpg decoding rows inside the protocol's
``data_received``, which uvloop calls with no Python frame between, is charged to the
event loop (the frame under it). ``py-spy --native`` would split these but must stop the
process for every sample (it cannot run ``--nonblocking``).

Frames are as py-spy prints them: ``function (path/to/module.py:line)``, the path
shortened to the package (``uvicorn/server.py``; ``socket.py`` for a top-level module);
full paths (``--full-filenames``) are shortened here the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SERVER = "server"
FRAMEWORK = "framework"
TOKEN = "token"  # noqa: S105 - a layer's name, not a credential
DRIVER = "driver"
ORM = "orm"
VALIDATION = "validation"
JSON = "json"
APP = "app"
OTHER = "other"

# In the order tables and charts show them, with the names they print.
LAYERS = {
    SERVER: "HTTP server & event loop",
    FRAMEWORK: "framework routing & DI",
    TOKEN: "token verification",
    DRIVER: "database driver",
    ORM: "ORM",
    VALIDATION: "validation & serialisation",
    JSON: "JSON",
    APP: "app code",
    OTHER: "other",
}

# (pattern, layer), most specific first: the first pattern that matches a frame decides.
# A pattern is a module path prefix (``*`` = any characters within one path component),
# optionally ``::function`` to claim only that function of the module.
RULES: tuple[tuple[str, str], ...] = (
    # JSON: the encoders, and the framework functions whose body is a C JSON encoder.
    ("json/", JSON),
    ("orjson", JSON),
    ("ujson", JSON),
    ("simplejson/", JSON),
    ("rest_framework/renderers", JSON),
    ("rest_framework/utils/json", JSON),
    ("rest_framework/utils/encoders", JSON),
    ("django/core/serializers/json", JSON),
    ("starlette/responses.py::JSONResponse.render", JSON),
    ("fastapi/responses.py::ORJSONResponse.render", JSON),
    ("fastapi/responses.py::UJSONResponse.render", JSON),
    # Validation and serialisation: models in, models out.
    ("pydantic", VALIDATION),  # pydantic/ and pydantic_core/
    ("fastapi/encoders", VALIDATION),
    ("fastapi/_compat", VALIDATION),
    ("rest_framework/serializers", VALIDATION),
    ("rest_framework/fields", VALIDATION),
    ("rest_framework/relations", VALIDATION),
    ("rest_framework/utils/serializer_helpers", VALIDATION),
    ("django/core/validators", VALIDATION),
    ("django/forms/", VALIDATION),
    # Token verification: the kit's verifier and the libraries it calls.
    ("saaskit/security/", TOKEN),
    ("jwt/", TOKEN),
    ("cryptography/", TOKEN),
    # The database driver: the connection, the protocol, the pool.
    ("asyncpg/", DRIVER),
    ("psycopg/", DRIVER),
    ("psycopg_pool/", DRIVER),
    ("psycopg2/", DRIVER),
    # The ORM's own Python, with the framework's database layer around the driver.
    ("sqlalchemy/", ORM),
    ("django/db/", ORM),
    # Framework: routing, middleware, dependency injection, request and response objects.
    ("starlette/", FRAMEWORK),
    ("fastapi/", FRAMEWORK),
    ("django/core/handlers/", FRAMEWORK),
    ("django/urls/", FRAMEWORK),
    ("django/middleware/", FRAMEWORK),
    ("django/http/", FRAMEWORK),
    ("django/views/", FRAMEWORK),
    ("django/contrib/", FRAMEWORK),
    ("django/conf/", FRAMEWORK),
    ("django/dispatch/", FRAMEWORK),
    ("django/core/signals", FRAMEWORK),
    ("rest_framework/", FRAMEWORK),  # views, request, negotiation, permissions, settings
    ("asgiref/", FRAMEWORK),  # Django's sync/async bridge: its thread hand-offs
    ("anyio/", FRAMEWORK),  # Starlette's task groups, streams and thread pool
    # The HTTP server and its event loop.
    ("uvicorn/", SERVER),
    ("httptools", SERVER),
    ("uvloop", SERVER),
    ("gunicorn/", SERVER),
    ("gevent/", SERVER),  # the hub: gunicorn's gevent workers (the shipped admin service)
    ("h11/", SERVER),
    # The application's own code.
    ("saaskit/", APP),
    ("*_service/", APP),
    ("bench/", APP),
)

# Consulted only when no frame of the stack matches RULES.
FALLBACK_RULES: tuple[tuple[str, str], ...] = (
    ("asyncio/", SERVER),
    ("selectors.py", SERVER),
    ("socket.py", SERVER),
    ("ssl.py", SERVER),
    ("threading.py", SERVER),
    ("concurrent/futures/", SERVER),
    ("socketserver.py", SERVER),
    ("wsgiref/", SERVER),
)

_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")
# Where a full path's package part begins, tried in this order: after the last
# site-packages, else after the stdlib's directory, else after a source tree's src/.
_PATH_ROOTS = tuple(re.compile(p) for p in (
    r"^.*/(?:site|dist)-packages/", r"^.*/lib/python3\.\d+/", r"^.*?/src/"))


@dataclass(frozen=True)
class Frame:
    function: str
    path: str  # shortened: "uvicorn/server.py"

    @classmethod
    def parse(cls, text: str) -> Frame | None:
        """``"Server.serve (uvicorn/server.py:68)"`` -> Frame; None for py-spy's own
        pseudo-frames (``process 123:"cmdline"``, ``thread (0x7f..)``)."""
        match = _FRAME.match(text.strip())
        if match is None or not match["path"].endswith((".py", ".pyx", ".pyi")):
            return None
        return cls(match["function"], _short(match["path"]))


def _short(path: str) -> str:
    if path.startswith("/"):
        for root in _PATH_ROOTS:
            if root.match(path):
                return root.sub("", path, count=1)
    return path


def _compile(rules: Iterable[tuple[str, str]]) -> tuple[tuple[re.Pattern, str | None, str], ...]:
    compiled = []
    for pattern, layer in rules:
        path, _, function = pattern.partition("::")
        regex = re.compile("^" + re.escape(path).replace(r"\*", "[^/]*"))
        compiled.append((regex, function or None, layer))
    return tuple(compiled)


_RULES = _compile(RULES)
_FALLBACK = _compile(FALLBACK_RULES)


def _match(frame: Frame, rules) -> str | None:
    for regex, function, layer in rules:
        if regex.match(frame.path) and (function is None or frame.function == function):
            return layer
    return None


def frames_of(stack: str) -> list[Frame]:
    """A collapsed stack (root first, ``;``-separated, no count) as frames, leaf first."""
    frames = (Frame.parse(part) for part in reversed(stack.split(";")))
    return [f for f in frames if f is not None]


def deciding_frame(stack: str) -> tuple[str, Frame | None]:
    """The layer of a collapsed stack and the frame that decided it (None: other)."""
    frames = frames_of(stack)
    for rules in (_RULES, _FALLBACK):
        for frame in frames:
            layer = _match(frame, rules)
            if layer is not None:
                return layer, frame
    return OTHER, None


def classify(stack: str) -> str:
    """The one layer a collapsed stack's samples are charged to (a key of ``LAYERS``)."""
    return deciding_frame(stack)[0]


def parse_collapsed(text: str) -> Counter[str]:
    """py-spy's raw output (``frame;frame;...;frame COUNT`` per line) as stack -> samples;
    the same stack on several lines (several py-spy runs) is summed."""
    stacks: Counter[str] = Counter()
    for line in text.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if stack and count.isdigit():
            stacks[stack] += int(count)
    return stacks


def aggregate(collapsed: Mapping[str, int] | str) -> dict[str, int]:
    """Samples per layer, every layer of ``LAYERS`` present (0 when none)."""
    stacks = parse_collapsed(collapsed) if isinstance(collapsed, str) else collapsed
    totals = dict.fromkeys(LAYERS, 0)
    for stack, samples in stacks.items():
        totals[classify(stack)] += samples
    return totals


def top_frames(collapsed: Mapping[str, int], layer: str, n: int = 5) -> list[tuple[str, int]]:
    """The frames that charged the most samples to ``layer`` (``function (path)``), to
    check what a layer holds; for ``other``, the stacks' leaf frames."""
    counts: Counter[str] = Counter()
    for stack, samples in collapsed.items():
        decided, frame = deciding_frame(stack)
        if decided != layer:
            continue
        if frame is None:
            leaf = frames_of(stack)
            frame = leaf[0] if leaf else None
        counts[f"{frame.function} ({frame.path})" if frame else "(no Python frame)"] += samples
    return counts.most_common(n)
