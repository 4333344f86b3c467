"""A minimal SMTP server for tests: it records every message it accepts, and can hold
new connections before the greeting (to catch a worker in the middle of sending).
It listens on a port the kernel picks (port 0), read back once entered (``port``)."""

from __future__ import annotations

import asyncio
import threading
import time
from email import message_from_bytes
from email.message import Message


class SMTPSink:
    def __init__(self) -> None:
        self.port = 0  # known once entered
        self.messages: list[Message] = []
        self.connections = 0
        self.hold = threading.Event()  # set: greet nobody until released
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    def __enter__(self) -> SMTPSink:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc) -> None:
        self.hold.clear()
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self._loop.close()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        held_since = time.monotonic()
        while self.hold.is_set() and time.monotonic() - held_since < 60:
            await asyncio.sleep(0.05)
        if self.hold.is_set():
            writer.close()
            return
        try:
            await self._converse(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _converse(self, reader, writer) -> None:
        def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        reply("220 sink ready")
        await writer.drain()
        while line := await reader.readline():
            verb = line.decode(errors="replace").strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                reply("250 sink")
            elif verb == "DATA":
                reply("354 go on")
                await writer.drain()
                data = await reader.readuntil(b"\r\n.\r\n")
                self.messages.append(message_from_bytes(data[:-5]))
                reply("250 queued")
            elif verb == "QUIT":
                reply("221 bye")
                await writer.drain()
                return
            else:  # MAIL, RCPT, RSET, NOOP
                reply("250 ok")
            await writer.drain()
