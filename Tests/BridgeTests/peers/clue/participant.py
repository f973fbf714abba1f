"""One CLUE participant (RFC 8847) driving a data channel: both Media Provider and Media Consumer.

The CLUE Channel Initiator sends 'options'; the Responder answers with 'optionsResponse'. After a successful
'optionsResponse' both sides advertise (the Initiator when it reads the response, the Responder right after sending
it). Every 'advertisement' received is acknowledged with 'ack' and followed by a 'configure' choosing one capture;
every 'configure' received is answered with 'configureResponse'. Three outgoing sequence-number streams (initiation,
MP, MC; section 5) and three incoming ones are kept; an unexpected number is answered with 402 where a response
exists. The participant is transport-agnostic: `send` is any callable taking the XML text.
"""
from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Callable, Optional

from . import messages as m

log = logging.getLogger("clue")

STREAM_OF = {
    "options": "initiation", "optionsResponse": "initiation",
    "advertisement": "provider", "configureResponse": "provider",
    "ack": "consumer", "configure": "consumer",
}


class Participant:
    def __init__(self, send: Callable[[str], None], initiator: bool, model: m.AdvertisementModel,
                 clue_id: Optional[str] = None, xsd: Optional[str] = None, configure_unknown: bool = False,
                 reference_time: Optional[float] = None, name: str = "peer", screens: Optional[int] = None,
                 on_configured: Optional[Callable[[list[tuple[str, str]]], None]] = None,
                 wanted: Optional[list[str]] = None):
        """screens: configure the remote scene view with that many video captures (one per screen), each on its
        own encoding; on_configured(choices) is told each configure of our captures we accept."""
        self.screens = screens
        self.wanted = wanted
        self.on_configured = on_configured
        self.send_text = send
        self.initiator = initiator
        self.model = model
        self.clue_id = clue_id
        self.xsd = xsd
        self.configure_unknown = configure_unknown
        self.reference_time = reference_time if reference_time is not None else time.monotonic()
        self.name = name
        self.next_out = {stream: random.randint(1, 2 ** 31) for stream in ("initiation", "provider", "consumer")}
        self.last_in: dict[str, int] = {}
        self.received: list[dict] = []
        self.sent: list[dict] = []
        self.first_received_at: Optional[float] = None
        self.queue: asyncio.Queue[Optional[str]] = asyncio.Queue()
        self.task: Optional[asyncio.Task] = None
        # State
        self.options_response_code: Optional[int] = None
        self.remote_model: Optional[m.AdvertisementModel] = None
        self.remote_advertisement_sequence: Optional[int] = None
        self.remote_advertisement_valid: Optional[bool] = None
        self.local_advertisement_sequence: Optional[int] = None
        self.local_advertisement_ack_code: Optional[int] = None
        self.configure_sequence: Optional[int] = None
        self.configure_choices: list[tuple[str, str]] = []
        self.configure_response_code: Optional[int] = None
        self.configures_answered: list[int] = []
        self.done = asyncio.Event()

    # MARK: Driving

    def start(self) -> None:
        """Call when the channel is open."""
        self.task = asyncio.ensure_future(self._run())
        if self.initiator:
            sequence = self._take("initiation")
            self._send("options", sequence, m.options(sequence, self.clue_id))

    def deliver(self, data) -> None:
        """Feed one message from the channel (str, or bytes as UTF-8)."""
        if isinstance(data, bytes):
            data = data.decode("utf-8", "replace")
        if self.first_received_at is None:
            self.first_received_at = time.monotonic()
        self.queue.put_nowait(data)

    async def stop(self) -> None:
        self.queue.put_nowait(None)
        if self.task:
            try:
                await asyncio.wait_for(self.task, 2)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                pass

    async def _run(self) -> None:
        while True:
            text = await self.queue.get()
            if text is None:
                return
            try:
                await self._handle(text)
            except Exception as error:  # keep reading: a test wants the whole record
                log.exception("%s: handling a CLUE message failed: %s", self.name, error)

    # MARK: Sending

    def _take(self, stream: str) -> int:
        number = self.next_out[stream]
        self.next_out[stream] += 1
        return number

    def _send(self, kind: str, sequence: int, text: str, **details) -> None:
        entry = {"type": kind, "sequence": sequence, "t_ms": self._ms(), **details}
        self.sent.append(entry)
        log.info("%s > %s %s", self.name, kind, {k: v for k, v in entry.items() if k != "t_ms"})
        self.send_text(text)

    def _ms(self) -> int:
        return int((time.monotonic() - self.reference_time) * 1000)

    def send_advertisement(self) -> None:
        sequence = self._take("provider")
        self.local_advertisement_sequence = sequence
        self.local_advertisement_ack_code = None
        self._send("advertisement", sequence, m.advertisement(sequence, self.model, self.clue_id),
                   captures=self.model.capture_ids())

    def _choose(self, model: m.AdvertisementModel) -> list[tuple[str, str]]:
        if self.configure_unknown:
            encodings = next((g[1] for g in model.encoding_groups.values() if g[1]), ["ENC-NONE"])
            return [("NO-SUCH-CAPTURE", encodings[0])]
        if self.wanted:
            return self._choose_captures(model, self.wanted)
        if self.screens:
            return self._choose_view(model, self.screens)
        ordered = sorted(model.captures, key=lambda c: 0 if c.media_type == "video" else 1)
        for capture in ordered:
            encodings = model.encodings_for(capture.capture_id)
            if encodings:
                return [(capture.capture_id, encodings[0])]
        return []

    def _choose_captures(self, model: m.AdvertisementModel, wanted: list[str]) -> list[tuple[str, str]]:
        """These captures (those the advertisement has), each on a distinct encoding."""
        choices: list[tuple[str, str]] = []
        used: set[str] = set()
        for capture in wanted:
            encoding = next((e for e in model.encodings_for(capture) if e not in used), None)
            if encoding is not None:
                used.add(encoding)
                choices.append((capture, encoding))
        return choices

    def _choose_view(self, model: m.AdvertisementModel, screens: int) -> list[tuple[str, str]]:
        """The first scene view made of `screens` video captures, left to right, each on a distinct encoding (as
        many as the advertisement has encodings for)."""
        kinds = {c.capture_id: c.media_type for c in model.captures}
        view = next((captures for views in model.scenes.values() for captures in views.values()
                     if len(captures) == screens and all(kinds.get(c) == "video" for c in captures)), None)
        choices: list[tuple[str, str]] = []
        used: set[str] = set()
        for capture in view or []:
            encoding = next((e for e in model.encodings_for(capture) if e not in used), None)
            if encoding is None:
                break
            used.add(encoding)
            choices.append((capture, encoding))
        return choices

    # MARK: Receiving

    async def _handle(self, text: str) -> None:
        message = m.parse(text)
        valid, errors = await asyncio.to_thread(m.validate, text, self.xsd)
        entry = {"type": message.type, "sequence": message.sequence, "response_code": message.response_code,
                 "schema_valid": valid, "t_ms": self._ms()}
        if errors and not valid:
            entry["schema_errors"] = errors[-2000:]
        if message.error:
            entry["error"] = message.error
        if message.version is not None:
            entry["version"] = message.version
        if message.reason is not None:
            entry["reason"] = message.reason
        for key in ("adv_sequence", "conf_sequence"):
            if getattr(message, key) is not None:
                entry[key] = getattr(message, key)
        self.received.append(entry)
        if message.type == "invalid":
            log.warning("%s < unreadable CLUE message: %s", self.name, message.error)
            return
        stream = STREAM_OF[message.type]
        sequence_ok = self._accept_sequence(stream, message.sequence)
        entry["sequence_ok"] = sequence_ok
        log.info("%s < %s %s", self.name, message.type, {k: v for k, v in entry.items()
                                                          if k not in ("t_ms", "schema_errors")})
        handler = getattr(self, f"_on_{message.type}")
        handler(message, entry, sequence_ok)
        self._check_done()

    def _accept_sequence(self, stream: str, sequence: Optional[int]) -> bool:
        if sequence is None or sequence < 1:
            return False
        last = self.last_in.get(stream)
        if last is not None and sequence != last + 1:
            if sequence > last:
                self.last_in[stream] = sequence
            return False
        self.last_in[stream] = sequence
        return True

    def _on_options(self, message: m.Received, entry: dict, sequence_ok: bool) -> None:
        sequence = self._take("initiation")
        if message.version is None or message.version.split(".")[0] != "1":
            code = 401
        else:
            code = 200 if sequence_ok else 402
        self.options_response_code = code
        self._send("optionsResponse", sequence, m.options_response(sequence, code, self.clue_id), response_code=code)
        if code == 200:
            self.send_advertisement()

    def _on_optionsResponse(self, message: m.Received, entry: dict, sequence_ok: bool) -> None:
        self.options_response_code = message.response_code
        if message.response_code == 200:
            self.send_advertisement()

    def _on_advertisement(self, message: m.Received, entry: dict, sequence_ok: bool) -> None:
        model = message.model or m.AdvertisementModel()
        entry["captures"] = model.capture_ids()
        entry["encoding_groups"] = {k: v[1] for k, v in model.encoding_groups.items()}
        code = 200 if sequence_ok else 402
        sequence = self._take("consumer")
        self._send("ack", sequence, m.ack(sequence, message.sequence or 1, code, self.clue_id),
                   response_code=code, adv_sequence=message.sequence)
        if code != 200:
            return
        self.remote_model = model
        self.remote_advertisement_sequence = message.sequence
        self.remote_advertisement_valid = entry["schema_valid"]
        self.configure_choices = self._choose(model)
        sequence = self._take("consumer")
        self.configure_sequence = sequence
        self.configure_response_code = None
        self._send("configure", sequence, m.configure(sequence, message.sequence, self.configure_choices,
                                                      self.clue_id),
                   adv_sequence=message.sequence, choices=[list(c) for c in self.configure_choices])

    def _on_ack(self, message: m.Received, entry: dict, sequence_ok: bool) -> None:
        if message.adv_sequence == self.local_advertisement_sequence:
            self.local_advertisement_ack_code = message.response_code

    def _on_configure(self, message: m.Received, entry: dict, sequence_ok: bool) -> None:
        entry["choices"] = [list(c) for c in message.choices]
        if message.with_ack and message.adv_sequence == self.local_advertisement_sequence:
            self.local_advertisement_ack_code = 200
        known = {c.capture_id for c in self.model.captures}
        if not sequence_ok:
            code = 402
        elif message.adv_sequence != self.local_advertisement_sequence:
            code = 404
        elif any(capture not in known or encoding not in self.model.encodings_for(capture)
                 for capture, encoding in message.choices):
            code = 400
        elif len({encoding for _, encoding in message.choices}) != len(message.choices):
            code = 303
        else:
            code = 200
        sequence = self._take("provider")
        self._send("configureResponse", sequence,
                   m.configure_response(sequence, message.sequence or 1, code, self.clue_id),
                   response_code=code, conf_sequence=message.sequence)
        self.configures_answered.append(code)
        if code == 200 and self.on_configured is not None:
            self.on_configured(list(message.choices))

    def _on_configureResponse(self, message: m.Received, entry: dict, sequence_ok: bool) -> None:
        if message.conf_sequence == self.configure_sequence:
            self.configure_response_code = message.response_code

    def _check_done(self) -> None:
        if (self.options_response_code is not None and self.local_advertisement_ack_code is not None
                and self.remote_advertisement_sequence is not None and self.configure_response_code is not None):
            self.done.set()

    # MARK: Report

    def report(self) -> dict:
        return {
            "initiator": self.initiator,
            "options_response_code": self.options_response_code,
            "remote_advertisement": None if self.remote_model is None else {
                "sequence": self.remote_advertisement_sequence,
                "schema_valid": self.remote_advertisement_valid,
                "captures": [{"id": c.capture_id, "media_type": c.media_type, "encoding_group": c.encoding_group}
                             for c in self.remote_model.captures],
                "encoding_groups": {k: v[1] for k, v in self.remote_model.encoding_groups.items()},
            },
            "local_advertisement_sequence": self.local_advertisement_sequence,
            "local_advertisement_ack_code": self.local_advertisement_ack_code,
            "configure_choices": [list(c) for c in self.configure_choices],
            "configure_response_code": self.configure_response_code,
            "configure_responses_sent": self.configures_answered,
            "complete": self.done.is_set(),
            "received": self.received,
            "sent": self.sent,
        }
