"""The storage interface for asyncio code: every blocking call runs in a worker thread.

``write`` streams an *async* source into the synchronous backend: the worker thread
pulls each chunk from the event loop (``anyio.from_thread``), so only a chunk or two is
in memory at a time, and an exception raised by the source (say, "too large") aborts the
write, leaving nothing stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from typing import TypeVar, TypeVarTuple, Unpack

from anyio import CapacityLimiter, from_thread, to_thread

from saaskit.storage.base import Storage

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class _End:
    """The end of a stream of chunks (``None`` could be mistaken for a value)."""


_END = _End()


def _next_chunk(chunks: Iterator[bytes]) -> bytes | _End:
    return next(chunks, _END)


class AsyncStorage:
    def __init__(self, storage: Storage, max_threads: int = 64) -> None:
        self.sync = storage
        # Own limiter: long uploads must not starve anyio's default pool (40 threads).
        self._limiter = CapacityLimiter(max_threads)

    async def _run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        return await to_thread.run_sync(func, *args, limiter=self._limiter)

    async def write(self, key: str, source: AsyncIterable[bytes]) -> int:
        iterator = aiter(source)

        async def next_chunk() -> bytes | _End:
            try:
                return await anext(iterator)
            except StopAsyncIteration:
                return _END

        def pull() -> Iterator[bytes]:
            while not isinstance(chunk := from_thread.run(next_chunk), _End):
                yield chunk

        return await self._run(self.sync.write, key, pull())

    async def write_bytes(self, key: str, data: bytes) -> int:
        return await self._run(self.sync.write, key, [data])

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """Opens now (``ObjectNotFound`` is raised here); the chunks are read lazily."""
        chunks = await self._run(self.sync.open, key)
        return self._iterate(chunks)

    async def _iterate(self, chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
        try:
            while not isinstance(chunk := await self._run(_next_chunk, chunks), _End):
                yield chunk
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                await self._run(close)

    async def delete(self, key: str) -> None:
        await self._run(self.sync.delete, key)

    async def exists(self, key: str) -> bool:
        return await self._run(self.sync.exists, key)

    async def presigned_get_url(self, key: str, *, filename: str, content_type: str) -> str | None:
        return self.sync.presigned_get_url(key, filename=filename, content_type=content_type)

    async def check(self) -> None:
        await self._run(self.sync.check)
