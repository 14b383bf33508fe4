"""A WebSocket client at the socket level, for peers a client library would not let us play: one that
never reads, or never answers pings (client libraries read and answer in the background)."""

from __future__ import annotations

import base64
import os
import socket
import struct


def open_raw(port: int, token: str, *, receive_buffer: int | None = None) -> socket.socket:
    """A socket that completed the upgrade to /web; nothing reads from it unless the test does."""
    raw = socket.socket()
    if receive_buffer is not None:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    raw.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall(
        f"GET /web HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += raw.recv(1)
    if not response.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(response.decode(errors="replace"))
    return raw


def read_frames(raw: socket.socket, timeout: float = 10) -> list[tuple[int, bytes]]:
    """Every frame the server sends until its close frame (or until it drops the connection): (opcode,
    payload); server frames are not masked. A peer that never answers the close is not waited for."""
    raw.settimeout(timeout)
    data = bytearray()
    while True:
        frames = _frames(data)
        if any(opcode == 0x8 for opcode, _ in frames):
            return frames
        chunk = raw.recv(1 << 16)
        if not chunk:
            return frames
        data += chunk


def _frames(data: bytearray) -> list[tuple[int, bytes]]:
    """The complete frames at the start of `data`."""
    frames = []
    offset = 0
    while offset + 2 <= len(data):
        opcode, length = data[offset] & 0x0F, data[offset + 1] & 0x7F
        start = offset + 2
        if length == 126:
            if start + 2 > len(data):
                break
            (length,) = struct.unpack_from("!H", data, start)
            start += 2
        elif length == 127:
            if start + 8 > len(data):
                break
            (length,) = struct.unpack_from("!Q", data, start)
            start += 8
        if start + length > len(data):
            break
        frames.append((opcode, bytes(data[start : start + length])))
        offset = start + length
    return frames


def close_code(frames: list[tuple[int, bytes]]) -> int | None:
    """The code of the close frame among `frames` (opcode 8), if there is one."""
    closes = [payload for opcode, payload in frames if opcode == 0x8]
    return int(struct.unpack("!H", closes[0][:2])[0]) if closes and len(closes[0]) >= 2 else None


def send_text(raw: socket.socket, text: str) -> None:
    """Send one text frame as a client must: masked."""
    payload = text.encode()
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x81, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x81, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 0x80 | 127, length)
    raw.sendall(header + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload)))
