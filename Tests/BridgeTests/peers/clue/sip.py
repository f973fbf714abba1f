"""A small SIP user agent client (RFC 3261) over UDP or TCP for one call: INVITE with digest authentication
(RFC 7616: SHA-256 preferred over MD5), ACK, in-dialog BYE, and answers to the bridge's requests (BYE, re-INVITE,
OPTIONS, INFO...). Only what a test peer needs: one dialog, no forking, no proxies."""
from __future__ import annotations

import asyncio
import random
import hashlib
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Optional

log = logging.getLogger("sip")

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type", "k": "supported", "s": "subject"}
T1 = 0.5


@dataclass
class Message:
    start: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""

    @property
    def is_response(self) -> bool:
        return self.start.startswith("SIP/2.0 ")

    @property
    def status(self) -> int:
        return int(self.start.split(" ", 2)[1]) if self.is_response else 0

    @property
    def method(self) -> str:
        if self.is_response:
            return self.cseq[1]
        return self.start.split(" ", 1)[0]

    @property
    def cseq(self) -> tuple[int, str]:
        number, method = (self.header("cseq") or "0 NONE").split()
        return int(number), method.upper()

    def header(self, name: str) -> Optional[str]:
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if COMPACT.get(key.lower(), key.lower()) == name]

    def tag(self, name: str) -> Optional[str]:
        value = self.header(name) or ""
        match = re.search(r";\s*tag=([^;\s>]+)", value.split(">")[-1] if ">" in value else value)
        return match.group(1) if match else None

    def encode(self) -> bytes:
        body = self.body.encode()
        lines = [self.start] + [f"{k}: {v}" for k, v in self.headers if k.lower() not in ("content-length", "l")]
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def parse(data: bytes) -> Message:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("utf-8", "replace").split("\r\n")
    message = Message(start=lines[0])
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and message.headers:  # folded header
            key, value = message.headers[-1]
            message.headers[-1] = (key, value + " " + line.strip())
            continue
        key, _, value = line.partition(":")
        message.headers.append((key.strip(), value.strip()))
    message.body = body.decode("utf-8", "replace")
    return message


def digest_challenges(response: Message) -> list[dict[str, str]]:
    header = "www-authenticate" if response.status == 401 else "proxy-authenticate"
    challenges = []
    for value in response.all(header):
        scheme, _, rest = value.partition(" ")
        if scheme.lower() != "digest":
            continue
        params = {k.lower(): v.strip('"') for k, v in re.findall(r'([\w-]+)\s*=\s*("[^"]*"|[^,\s]+)', rest)}
        challenges.append(params)
    return challenges


HASHES = {"SHA-256": hashlib.sha256, "MD5": hashlib.md5}


def choose_challenge(challenges: list[dict[str, str]]) -> Optional[dict[str, str]]:
    """The strongest algorithm this peer implements (SHA-256, then MD5; RFC 7616 section 3.7)."""
    for algorithm in HASHES:
        for challenge in challenges:
            if challenge.get("algorithm", "MD5").upper() == algorithm:
                return challenge
    return None


def authorization(challenge: dict[str, str], method: str, uri: str, user: str, password: str,
                  cnonce: Optional[str] = None) -> str:
    algorithm = challenge.get("algorithm", "MD5").upper()
    h = lambda text: HASHES[algorithm](text.encode()).hexdigest()  # noqa: E731
    ha1 = h(f"{user}:{challenge['realm']}:{password}")
    ha2 = h(f"{method}:{uri}")
    qops = [q.strip() for q in challenge.get("qop", "").split(",") if q.strip()]
    parts = [f'username="{user}"', f'realm="{challenge["realm"]}"', f'nonce="{challenge["nonce"]}"', f'uri="{uri}"',
             f"algorithm={algorithm}"]
    if "auth" in qops:
        cnonce, nc = cnonce or uuid.uuid4().hex[:16], "00000001"
        response = h(f"{ha1}:{challenge['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        parts += [f'response="{response}"', "qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
    else:
        nonce = challenge["nonce"]
        parts.append(f'response="{h(f"{ha1}:{nonce}:{ha2}")}"')
    if "opaque" in challenge:
        parts.append(f'opaque="{challenge["opaque"]}"')
    return "Digest " + ", ".join(parts)


class _UDP(asyncio.DatagramProtocol):
    def __init__(self, agent: "UserAgent"):
        self.agent = agent

    def datagram_received(self, data, addr):
        if data.strip():
            self.agent._received(data)


class UserAgent:
    """One call to `sip:room@host:port`. `on_request(message) -> (status, extra headers, body)` answers the
    bridge's requests other than BYE/ACK/CANCEL (BYE is answered 200 and recorded)."""

    def __init__(self, host: str, port: int, transport: str, room: str, user: str, password: str):
        self.host, self.port, self.transport = host, port, transport.lower()
        self.room, self.user, self.password = room, user, password
        self.uri = f"sip:{room}@{host}:{port}"
        self.call_id = uuid.uuid4().hex
        self.from_tag = uuid.uuid4().hex[:10]
        self.to_tag: Optional[str] = None
        self.remote_target: Optional[str] = None
        self.route_set: list[str] = []
        self.cseq = 0
        self.timeout = 32 * T1  # INVITE transaction timeout (Timer B)
        self.local_host = "127.0.0.1"
        self.local_port = 0
        self._udp = None
        self._writer: Optional[asyncio.StreamWriter] = None
        self._pending: dict[tuple[int, str], asyncio.Queue] = {}
        self.bye_received_at: Optional[float] = None
        self.bye_received = asyncio.Event()
        self.requests_received: list[dict] = []
        self.on_request: Optional[Callable[[Message], Awaitable[tuple[int, list[tuple[str, str]], str]]]] = None
        self.invite_ok: Optional[Message] = None
        self._ack: Optional[bytes] = None
        self._ack_cseq: Optional[int] = None
        self._invites_answered: dict[int, Optional[bytes]] = {}
        # Our re-INVITE in progress: a re-INVITE from the bridge meanwhile is glare (491, RFC 3261 section 14.2).
        self.reinvite_pending = False
        # Our re-INVITEs sent so far (a 491 can end one within milliseconds: `reinvite_pending` may be over already).
        self.reinvites_sent = 0
        self._reader_task: Optional[asyncio.Task] = None

    # MARK: Transport

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        if self.transport == "udp":
            self._udp, _ = await loop.create_datagram_endpoint(lambda: _UDP(self), local_addr=("127.0.0.1", 0),
                                                               remote_addr=(self.host, self.port))
            self.local_host, self.local_port = self._udp.get_extra_info("sockname")[:2]
        elif self.transport == "tcp":
            reader, self._writer = await asyncio.open_connection(self.host, self.port)
            self.local_host, self.local_port = self._writer.get_extra_info("sockname")[:2]
            self._reader_task = asyncio.ensure_future(self._read_tcp(reader))
        else:
            raise ValueError(f"unsupported transport {self.transport}")

    async def close(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()

    async def _read_tcp(self, reader: asyncio.StreamReader) -> None:
        buffer = b""
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    log.info("TCP connection closed by the bridge")
                    return
                buffer += chunk
                while True:
                    buffer = buffer.lstrip(b"\r\n")
                    end = buffer.find(b"\r\n\r\n")
                    if end < 0:
                        break
                    match = re.search(rb"(?im)^(content-length|l)\s*:\s*(\d+)", buffer[:end])
                    length = int(match.group(2)) if match else 0
                    if len(buffer) < end + 4 + length:
                        break
                    self._received(buffer[:end + 4 + length])
                    buffer = buffer[end + 4 + length:]
        except asyncio.CancelledError:
            pass

    def _send(self, data: bytes) -> None:
        if self._udp is not None:
            self._udp.sendto(data)
        elif self._writer is not None:
            self._writer.write(data)

    # MARK: Messages

    def _via(self, branch: str) -> str:
        return f"SIP/2.0/{self.transport.upper()} {self.local_host}:{self.local_port};branch={branch};rport"

    @property
    def contact(self) -> str:
        return f"<sip:{self.user}@{self.local_host}:{self.local_port};transport={self.transport}>;+sip.clue"

    def request(self, method: str, uri: str, cseq: int, branch: Optional[str] = None,
                extra: Optional[list[tuple[str, str]]] = None, body: str = "",
                content_type: str = "application/sdp") -> Message:
        branch = branch or "z9hG4bK" + uuid.uuid4().hex[:16]
        headers = [
            ("Via", self._via(branch)),
            ("Max-Forwards", "70"),
            ("From", f'"{self.user}" <sip:{self.user}@{self.host}>;tag={self.from_tag}'),
            ("To", f"<{self.uri}>" + (f";tag={self.to_tag}" if self.to_tag else "")),
            ("Call-ID", self.call_id),
            ("CSeq", f"{cseq} {method}"),
        ]
        headers += [("Route", route) for route in self.route_set]
        if method in ("INVITE",):
            headers.append(("Contact", self.contact))
            headers.append(("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO"))
        headers += extra or []
        if body:
            headers.append(("Content-Type", content_type))
        return Message(start=f"{method} {uri} SIP/2.0", headers=headers, body=body)

    def _received(self, data: bytes) -> None:
        try:
            message = parse(data)
        except Exception as error:
            log.warning("unparsable SIP message: %s", error)
            return
        if message.is_response:
            log.info("< %s (%s)", message.start, message.header("cseq"))
            if (message.cseq[1] == "INVITE" and 200 <= message.status < 300 and self._ack is not None
                    and message.cseq[0] == self._ack_cseq):
                self._send(self._ack)  # a retransmitted 200: ACK again
                return
            queue = self._pending.get(message.cseq)
            if queue is not None:
                queue.put_nowait(message)
        else:
            log.info("< %s", message.start)
            asyncio.ensure_future(self._answer(message))

    def _response(self, request: Message, status: int, reason: str, extra: Optional[list[tuple[str, str]]] = None,
                  body: str = "") -> Message:
        headers = [(k, v) for k, v in request.headers
                   if COMPACT.get(k.lower(), k.lower()) in ("via", "from", "to", "call-id", "cseq")]
        headers += extra or []
        if body:
            headers.append(("Content-Type", "application/sdp"))
        return Message(start=f"SIP/2.0 {status} {reason}", headers=headers, body=body)

    async def _answer(self, request: Message) -> None:
        method = request.method
        if method == "INVITE":
            # A retransmission (same CSeq) gets the response already sent, or nothing while it is being made.
            key = request.cseq[0]
            if key in self._invites_answered:
                cached = self._invites_answered[key]
                if cached is not None:
                    self._send(cached)
                return
            self._invites_answered[key] = None
        entry = {"method": method, "t": time.monotonic()}
        self.requests_received.append(entry)
        if method == "ACK":
            return
        if method == "BYE":
            entry["status"] = 200
            if self.bye_received_at is None:
                self.bye_received_at = time.monotonic()
            self._send(self._response(request, 200, "OK").encode())
            self.bye_received.set()
            return
        if method == "CANCEL":
            entry["status"] = 200
            self._send(self._response(request, 200, "OK").encode())
            return
        if method == "INVITE" and self.reinvite_pending:
            entry["status"] = 491
            response = self._response(request, 491, "Request Pending").encode()
            self._invites_answered[request.cseq[0]] = response
            self._send(response)
            return
        if self.on_request is not None:
            try:
                status, extra, body = await self.on_request(request)
            except Exception as error:
                log.exception("answering %s failed: %s", method, error)
                status, extra, body = 500, [], ""
        else:
            status, extra, body = (200, [], "") if method in ("OPTIONS", "INFO", "UPDATE", "NOTIFY") else (501, [], "")
        entry["status"] = status
        if method == "INVITE" and status == 200:
            extra = [("Contact", self.contact)] + extra
        reason = {200: "OK", 488: "Not Acceptable Here", 491: "Request Pending", 500: "Server Internal Error",
                  501: "Not Implemented"}.get(status, "Unknown")
        response = self._response(request, status, reason, extra, body).encode()
        if method == "INVITE":
            self._invites_answered[request.cseq[0]] = response
        self._send(response)

    async def transaction(self, message: Message, timeout: float = 32 * T1) -> list[Message]:
        """Sends a request and returns every response up to the final one (UDP retransmissions, RFC 3261 17.1)."""
        key = message.cseq
        queue: asyncio.Queue = asyncio.Queue()
        self._pending[key] = queue
        data = message.encode()
        log.info("> %s", message.start)
        self._send(data)
        responses: list[Message] = []
        deadline = time.monotonic() + timeout
        interval = T1
        provisional = False
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no final response to {message.start}")
                wait = min(interval, remaining) if self.transport == "udp" and not provisional else remaining
                try:
                    response = await asyncio.wait_for(queue.get(), wait)
                except asyncio.TimeoutError:
                    if self.transport == "udp" and not provisional:
                        self._send(data)
                        interval = min(interval * 2, 4.0)
                    continue
                responses.append(response)
                if response.status >= 200:
                    return responses
                provisional = provisional or message.method == "INVITE"
        finally:
            self._pending.pop(key, None)

    # MARK: The call

    async def invite(self, sdp: str) -> tuple[Message, dict]:
        """INVITE, answering one digest challenge. Returns the final response and details for the report."""
        details: dict = {"statuses": [], "auth_algorithm": None, "offered_algorithms": []}
        self.cseq += 1
        started = time.monotonic()
        details["invite_sent_at"] = started
        final = (await self.transaction(self.request("INVITE", self.uri, self.cseq, body=sdp),
                                        timeout=self.timeout))[-1]
        details["statuses"].append(final.status)
        if final.status in (401, 407):
            self._ack_failure(final)
            challenges = digest_challenges(final)
            details["offered_algorithms"] = [c.get("algorithm", "MD5") for c in challenges]
            challenge = choose_challenge(challenges)
            if challenge is not None:
                details["auth_algorithm"] = challenge.get("algorithm", "MD5").upper()
                header = "Authorization" if final.status == 401 else "Proxy-Authorization"
                self.cseq += 1
                request = self.request("INVITE", self.uri, self.cseq, body=sdp, extra=[
                    (header, authorization(challenge, "INVITE", self.uri, self.user, self.password))])
                details["invite_sent_at"] = time.monotonic()
                final = (await self.transaction(request, timeout=self.timeout))[-1]
                details["statuses"].append(final.status)
        if 200 <= final.status < 300:
            self.to_tag = final.tag("to")
            contact = final.header("contact") or ""
            match = re.search(r"<([^>]+)>", contact)
            self.remote_target = match.group(1) if match else (contact.split(";")[0].strip() or self.uri)
            self.route_set = list(reversed(final.all("record-route")))
            self.invite_ok = final
            ack = self.request("ACK", self.remote_target, final.cseq[0])
            self._ack = ack.encode()
            self._ack_cseq = final.cseq[0]
            log.info("> %s", ack.start)
            self._send(self._ack)
        elif final.status >= 300:
            self._ack_failure(final)
        details["first_invite_sent_at"] = started
        return final, details

    async def reinvite(self, sdp: str, attempts: int = 4) -> tuple[Message, list[int]]:
        """A re-INVITE in the dialog with a new offer. On 491 (glare) it waits 2.1 to 4 s, as the owner of the
        Call-ID (RFC 3261 section 14.1), and tries again. Returns the final response and every status seen.

        No wait follows the last attempt: a caller that times its own retry (attempts=1) gets the 491 at once, so
        that it waits one interval, not two, and can answer the other side's re-INVITE meanwhile."""
        statuses: list[int] = []
        final: Optional[Message] = None
        for attempt in range(attempts):
            self.cseq += 1
            self.reinvite_pending = True
            self.reinvites_sent += 1
            try:
                final = (await self.transaction(self.request("INVITE", self.remote_target, self.cseq, body=sdp),
                                                timeout=self.timeout))[-1]
            finally:
                self.reinvite_pending = False
            statuses.append(final.status)
            if 200 <= final.status < 300:
                ack = self.request("ACK", self.remote_target, final.cseq[0])
                self._ack, self._ack_cseq = ack.encode(), final.cseq[0]
                self._send(self._ack)
                break
            self._ack_failure(final)
            if final.status != 491 or attempt + 1 == attempts:
                break
            await asyncio.sleep(random.uniform(2.1, 4.0))
        assert final is not None
        return final, statuses

    def _ack_failure(self, response: Message) -> None:
        """ACK for a non-2xx final response: same branch as the INVITE, To from the response (RFC 3261 17.1.1.3)."""
        via = response.header("via") or ""
        match = re.search(r"branch=([^;\s,]+)", via)
        ack = self.request("ACK", self.uri, response.cseq[0], branch=match.group(1) if match else None)
        ack.headers = [(k, response.header("to") if k == "To" else v) for k, v in ack.headers]
        self._send(ack.encode())

    async def bye(self) -> Optional[int]:
        if self.remote_target is None:
            return None
        self.cseq += 1
        try:
            responses = await self.transaction(self.request("BYE", self.remote_target, self.cseq), timeout=8)
        except TimeoutError:
            return None
        return responses[-1].status
