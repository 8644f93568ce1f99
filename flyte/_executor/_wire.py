"""Frames between the controller and its worker processes, over one stream socket per worker.

A frame is a 17-byte header (kind, request id, payload length) and the payload. Both sides read
with their own strategy (the worker blocks in a reader thread; the controller reads whatever is
there from its event loop) and share this format and `FrameBuffer`.
"""

from __future__ import annotations

import socket
import struct
import threading
from typing import Optional

HEADER = struct.Struct("!BQQ")

# controller -> worker
ATTEMPT = 1  # run one attempt: payload from flyte._executor._remote.attempt_payload
ANSWER = 2  # the answer to the worker's request `rid`
# worker -> controller
DONE = 3  # the outcome of attempt `rid` (flyte._executor._remote.run_remote_attempt's bytes)
DONE_RETIRING = 4  # the same, and the worker exits after it (it ran out of memory)
REQUEST = 5  # a nested call, a record or a blob request (flyte._executor._remote.RequestServer)
HELLO = 6  # the worker started (rid: its pid) and takes attempts
STARTED = 7  # attempt `rid`'s body begins now (its task and inputs unpickled): its time budget starts


class FrameBuffer:
    """Bytes in, whole frames out: (kind, rid, payload)."""

    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, int, bytes]]:
        buf = self.buf
        buf += data
        frames = []
        size = HEADER.size
        while len(buf) >= size:
            kind, rid, length = HEADER.unpack_from(buf)
            end = size + length
            if len(buf) < end:
                break
            frames.append((kind, rid, bytes(buf[size:end])))
            del buf[:end]  # O(1) at the front of a bytearray
        return frames


class FrameSocket:
    """One end of a worker's socket: whole frames written under a lock (several threads send)."""

    __slots__ = ("lock", "sock")

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.lock = threading.Lock()

    def send(self, kind: int, rid: int, payload: bytes) -> None:
        header = HEADER.pack(kind, rid, len(payload))
        with self.lock:
            if len(payload) < 65536:
                self.sock.sendall(header + payload)  # one system call for the common small frame
            else:
                self.sock.sendall(header)
                self.sock.sendall(payload)

    def recv_frame(self) -> Optional[tuple[int, int, bytes]]:
        """Blocking read of the next frame; None at end of stream."""
        header = self._exactly(HEADER.size)
        if header is None:
            return None
        kind, rid, length = HEADER.unpack(header)
        payload = self._exactly(length) if length else bytearray()
        if payload is None:
            return None
        return kind, rid, bytes(payload)

    def _exactly(self, n: int) -> Optional[bytearray]:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self.sock.recv_into(view[got:], n - got)
            if k == 0:
                return None
            got += k
        return buf
