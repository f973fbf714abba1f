"""aiortc plumbing: loopback-only ICE, a sine tone and a solid colour track, SDP munging for CLUE (RFC 8848/8850),
silencing STUN (to stop consent freshness, RFC 7675) and RTP counters."""
from __future__ import annotations

import asyncio
import fractions
import logging
import math
import re
import time
from array import array

import aioice.ice

log = logging.getLogger("media")

_stun_silenced = False
stun_dropped = 0


def install_patches() -> None:
    """Before any RTCPeerConnection exists: host candidates on 127.0.0.1 only (aioice leaves loopback out), and a
    switch that drops every outgoing STUN message."""
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]
    original = aioice.ice.StunProtocol.send_stun

    def send_stun(self, message, addr):
        global stun_dropped
        if _stun_silenced:
            stun_dropped += 1
            return
        original(self, message, addr)

    aioice.ice.StunProtocol.send_stun = send_stun

    # RFC 6464 level for the sender: aiortc's rtp.compute_audio_level_dbov sums every s16 of planes[0] but divides
    # by frame.samples (per channel), so a packed stereo frame reads 3 dB loud. The same RFC 6465 formula over all
    # channels' samples (the sender calls it as rtp.compute_audio_level_dbov, so the module attribute is the hook).
    import aiortc.rtp
    original_level = aiortc.rtp.compute_audio_level_dbov

    def compute_audio_level_dbov(frame) -> int:
        if frame.format.name not in ("s16", "s16p"):
            return original_level(frame)
        samples = array("h")
        if frame.format.is_planar:
            for plane in frame.planes:
                samples.frombytes(bytes(plane)[:2 * frame.samples])
        else:
            samples.frombytes(bytes(frame.planes[0])[:2 * frame.samples * frame.layout.nb_channels])
        if not samples:
            return -127
        rms = math.sqrt(sum(s * s for s in samples) / (len(samples) * 32767 * 32767))
        return round(max(-127.0, min(0.0, 20 * math.log10(rms)))) if rms > 0 else -127

    aiortc.rtp.compute_audio_level_dbov = compute_audio_level_dbov


def ice_connections(pc) -> list:
    """The aioice Connections under a peer connection (media and SCTP transports, bundled ones once)."""
    found = []
    transports = [t.sender.transport for t in pc.getTransceivers()]
    if pc.sctp is not None:
        transports.append(pc.sctp.transport)
    for dtls in transports:
        connection = getattr(dtls.transport, "_connection", None)
        if connection is not None and connection not in found:
            found.append(connection)
    return found


def silence_stun(pc) -> int:
    """Stops consent freshness checks and drops every STUN message sent from now on; media keeps flowing."""
    global _stun_silenced
    _stun_silenced = True
    cancelled = 0
    for connection in ice_connections(pc):
        task = getattr(connection, "_query_consent_task", None)
        if task is not None and not task.done():
            task.cancel()
            cancelled += 1
    return cancelled


# MARK: Tracks

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack, VideoStreamTrack  # noqa: E402
import av  # noqa: E402


class ToneTrack(MediaStreamTrack):
    """A sine tone, 48 kHz s16 stereo (both channels equal), 20 ms frames paced in real time. Stereo because
    aiortc's Opus encoder is stereo and would upmix mono with swresample's -3 dB centre mix. The nominal amplitude
    is 0.3 of full scale (-13.5 dBFS RMS, as decoded by a receiver); `gain_db` scales it (samples clip at full
    scale), and `switch_at(t, gain_db)` changes the gain from monotonic time t on (--loud-after). aiortc's sender
    computes the RFC 6464 level (ssrc-audio-level) from each frame's samples (see install_patches), so that header
    extension follows the gain by itself."""
    kind = "audio"

    def __init__(self, frequency: float, sample_rate: int = 48_000, ptime: float = 0.02, amplitude: float = 0.3,
                 gain_db: float = 0.0):
        super().__init__()
        self.frequency = frequency
        self.sample_rate = sample_rate
        self.samples = int(sample_rate * ptime)
        self.nominal = amplitude
        self.gain_db = gain_db
        self.switches: list[tuple[float, float]] = []  # (monotonic time, gain_db), pending
        self.levels: list[dict] = []  # [{at (monotonic), gain_db, level_dbfs}] as applied
        self._start: float | None = None
        self._timestamp = 0

    def switch_at(self, at: float, gain_db: float) -> None:
        self.switches.append((at, gain_db))
        self.switches.sort()

    def level_dbfs(self, gain_db: float | None = None) -> float:
        peak = min(1.0, self.nominal * 10 ** ((self.gain_db if gain_db is None else gain_db) / 20))
        return round(20 * math.log10(peak / math.sqrt(2)), 1) if peak > 0 else -150.0

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        else:
            self._timestamp += self.samples
            wait = self._start + self._timestamp / self.sample_rate - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        now = time.monotonic()
        while self.switches and self.switches[0][0] <= now:
            self.gain_db = self.switches.pop(0)[1]
            self.levels.append({"at": now, "gain_db": self.gain_db, "level_dbfs": self.level_dbfs()})
        if not self.levels:
            self.levels.append({"at": now, "gain_db": self.gain_db, "level_dbfs": self.level_dbfs()})
        amplitude = 32767 * self.nominal * 10 ** (self.gain_db / 20)
        step = 2 * math.pi * self.frequency / self.sample_rate
        mono = array("h", (max(-32767, min(32767, int(amplitude * math.sin(step * (self._timestamp + i)))))
                           for i in range(self.samples)))
        samples = array("h", bytes(4 * self.samples))
        samples[0::2] = mono
        samples[1::2] = mono
        frame = av.AudioFrame(format="s16", layout="stereo", samples=self.samples)
        frame.planes[0].update(samples.tobytes())
        frame.pts = self._timestamp
        frame.sample_rate = self.sample_rate
        frame.time_base = fractions.Fraction(1, self.sample_rate)
        return frame


COLOURS = {
    "red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "white": (255, 255, 255), "black": (0, 0, 0),
    "yellow": (255, 255, 0), "cyan": (0, 255, 255), "magenta": (255, 0, 255), "grey": (128, 128, 128),
}


def parse_colour(text: str) -> tuple[int, int, int]:
    text = text.strip().lower()
    if text in COLOURS:
        return COLOURS[text]
    match = re.fullmatch(r"#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})", text)
    if not match:
        raise ValueError(f"unknown colour {text!r} (a name from {sorted(COLOURS)} or #rrggbb)")
    return tuple(int(part, 16) for part in match.groups())  # type: ignore[return-value]


def rgb_to_yuv(r: int, g: int, b: int) -> tuple[int, int, int]:
    """BT.601 limited range."""
    y = 16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256
    u = 128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256
    v = 128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256
    return tuple(max(0, min(255, round(x))) for x in (y, u, v))  # type: ignore[return-value]


def solid_frame(yuv: tuple[int, int, int], width: int, height: int, pts, time_base) -> av.VideoFrame:
    frame = av.VideoFrame(width=width, height=height, format="yuv420p")
    for plane, value in zip(frame.planes, yuv):
        plane.update(bytes([value]) * plane.buffer_size)
    frame.pts = pts
    frame.time_base = time_base
    return frame


class ColourTrack(VideoStreamTrack):
    """A solid colour, 320x240 at aiortc's 30 fps clock."""

    def __init__(self, colour: str, width: int = 320, height: int = 240):
        super().__init__()
        self.yuv = rgb_to_yuv(*parse_colour(colour))
        self.width, self.height = width, height

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        return solid_frame(self.yuv, self.width, self.height, pts, time_base)


class ConfiguredColourTrack(VideoStreamTrack):
    """The track of one of our CLUE encodings: nothing flows until a capture is configured on the encoding (RFC 8848
    section 4.4.1), then that capture's colour; nothing again once the capture is released."""

    def __init__(self, width: int = 320, height: int = 240):
        super().__init__()
        self.width, self.height = width, height
        self.colour: str | None = None
        self.yuv: tuple[int, int, int] | None = None
        self.configured = asyncio.Event()

    def configure(self, colour: str | None) -> None:
        self.colour = colour
        self.yuv = rgb_to_yuv(*parse_colour(colour)) if colour else None
        if colour:
            self.configured.set()
        else:
            self.configured.clear()

    async def recv(self):
        while True:
            while self.yuv is None:
                await self.configured.wait()
            pts, time_base = await self.next_timestamp()
            yuv = self.yuv  # released while waiting for the frame time: wait for the next configure
            if yuv is not None:
                return solid_frame(yuv, self.width, self.height, pts, time_base)


# MARK: SDP

def media_sections(sdp: str) -> tuple[list[str], list[list[str]]]:
    lines = [line for line in sdp.replace("\r\n", "\n").split("\n") if line]
    session: list[str] = []
    sections: list[list[str]] = []
    for line in lines:
        if line.startswith("m="):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
        else:
            session.append(line)
    return session, sections


def join_sdp(session: list[str], sections: list[list[str]]) -> str:
    return "\r\n".join(session + [line for section in sections for line in section]) + "\r\n"


def _mid(section: list[str]) -> str | None:
    for line in section:
        if line.startswith("a=mid:"):
            return line[6:].strip()
    return None


def plain_offer(sdp: str) -> str:
    """aiortc's offer as a plain SIP endpoint sends it: no CLUE; only the o= line's 0.0.0.0 becomes 127.0.0.1."""
    session, sections = media_sections(sdp)
    session = [re.sub(r"^(o=\S+ \S+ \S+ IN IP4 )0\.0\.0\.0$", r"\g<1>127.0.0.1", line) for line in session]
    return join_sdp(session, sections)


def munge_offer(sdp: str, stream_id: int, clue_label: str | None = "CLUE", tamper_fingerprint: bool = False,
                clue_media: bool = False, encoding_labels: dict[str, str] | None = None,
                controlled_mids: list[str] | None = None) -> str:
    """aiortc's offer made a CLUE offer (RFC 8848 section 4, RFC 8850 section 3.3):
    - `a=group:CLUE <mid of the data channel>` (plus the CLUE-controlled mids when clue_media);
    - `a=dcmap:<stream> label=...;subprotocol="CLUE";ordered=true` in the m=application section (no max-retr /
      max-time: the CLUE channel is fully reliable; no a=dcsa: RFC 8850 section 3.3.3);
    - tamper_fingerprint flips the first byte of every a=fingerprint, so none matches aiortc's certificate;
    - encoding_labels {mid: label} adds `a=label` (RFC 4574), which RFC 8848 uses to tie encodings to m-lines.
    The o= line's 0.0.0.0 (aiortc's) becomes 127.0.0.1."""
    session, sections = media_sections(sdp)
    session = [re.sub(r"^(o=\S+ \S+ \S+ IN IP4 )0\.0\.0\.0$", r"\g<1>127.0.0.1", line) for line in session]
    channel_mid = None
    controlled: list[str] = []
    for section in sections:
        mid = _mid(section)
        if section[0].startswith("m=application") and "webrtc-datachannel" in section[0]:
            channel_mid = mid
            parameters = ([f'label="{clue_label}"'] if clue_label else []) + ['subprotocol="CLUE"', "ordered=true"]
            section.append(f"a=dcmap:{stream_id} {';'.join(parameters)}")
        elif mid is not None and (clue_media or mid in (controlled_mids or [])):
            controlled.append(mid)
        if encoding_labels and mid in encoding_labels:
            section.append(f"a=label:{encoding_labels[mid]}")
    if channel_mid is None:
        raise ValueError("the offer has no data channel section")
    group = f"a=group:CLUE {' '.join([channel_mid] + controlled)}"
    position = next((i + 1 for i, line in enumerate(session) if line.startswith("a=group:")), len(session))
    session.insert(position, group)
    munged = join_sdp(session, sections)
    if tamper_fingerprint:
        def flip(match: re.Match) -> str:
            first = int(match.group(2), 16) ^ 0xFF
            return f"{match.group(1)}{first:02X}"
        munged = re.sub(r"(a=fingerprint:\S+ )([0-9A-Fa-f]{2})", flip, munged)
    return munged


def extmaps(sdp: str) -> dict[str, dict[int, str]]:
    """{kind: {id: uri}} from the a=extmap lines of the audio and video sections."""
    found: dict[str, dict[int, str]] = {}
    _, sections = media_sections(sdp)
    for section in sections:
        kind = section[0][2:].split()[0]
        for line in section[1:]:
            match = re.match(r"a=extmap:(\d+)(?:/\S+)? (\S+)", line)
            if match:
                found.setdefault(kind, {})[int(match.group(1))] = match.group(2)
    return found


def add_extmap(sdp: str, uri: str, kinds: tuple[str, ...] = ("audio", "video")) -> tuple[str, int | None]:
    """Adds `a=extmap:<id> <uri>` to every enabled section of those kinds, with the lowest one-byte ID (1-14) no
    a=extmap of the SDP uses (BUNDLE shares one ID space). Returns the SDP and the ID (None: nothing added)."""
    session, sections = media_sections(sdp)
    used = {int(m) for m in re.findall(r"^a=extmap:(\d+)", sdp, flags=re.M)}
    free = next((i for i in range(1, 15) if i not in used), None)
    added = False
    if free is None:
        return sdp, None
    for section in sections:
        fields = section[0][2:].split()
        if fields[0] not in kinds or fields[1] == "0" or any(line.endswith(" " + uri) for line in section):
            continue
        last = max((i for i, line in enumerate(section) if line.startswith("a=extmap:")), default=None)
        if last is None:
            last = max((i for i, line in enumerate(section) if line.startswith("a=mid:")), default=0)
        section.insert(last + 1, f"a=extmap:{free} {uri}")
        added = True
    return (join_sdp(session, sections), free) if added else (sdp, None)


def echo_extmap(answer: str, offer: str, uri: str) -> str:
    """An answer made by aiortc (which drops header extensions it does not know) given the offer's a=extmap for
    `uri` back, same ID, in each section whose offered counterpart (same mid) had it (RFC 8285 section 6)."""
    _, offered = media_sections(offer)
    ids = {}
    for section in offered:
        for line in section:
            if line.startswith("a=extmap:") and line.endswith(" " + uri):
                ids[_mid(section)] = line
    session, sections = media_sections(answer)
    for section in sections:
        line = ids.get(_mid(section))
        if line is None or section[0].split()[1] == "0" or line in section:
            continue
        last = max((i for i, l in enumerate(section) if l.startswith("a=extmap:")), default=None)
        if last is None:
            last = max((i for i, l in enumerate(section) if l.startswith("a=mid:")), default=0)
        section.insert(last + 1, line)
    return join_sdp(session, sections)


def answer_summary(sdp: str) -> dict:
    """The CLUE-relevant attributes of an SDP answer."""
    session, sections = media_sections(sdp)
    summary: dict = {
        "ice_lite": "a=ice-lite" in session,
        "groups": [line[len("a=group:"):] for line in session if line.startswith("a=group:")],
        "media": [],
    }
    for section in sections:
        m_line = section[0][2:].split()
        item: dict = {"kind": m_line[0], "port": int(m_line[1]), "proto": m_line[2], "formats": m_line[3:]}
        for line in section[1:]:
            key, _, value = line[2:].partition(":")
            if line.startswith("a=") and key in ("mid", "setup", "ice-ufrag", "sctp-port", "max-message-size",
                                                   "label"):
                item[key.replace("-", "_")] = value
            elif line in ("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"):
                item["direction"] = line[2:]
            elif key == "dcmap":
                item.setdefault("dcmap", []).append(value)
            elif key == "fingerprint":
                item.setdefault("fingerprints", []).append(value)
            elif key == "candidate":
                item.setdefault("candidates", []).append(value)
            elif key == "rtpmap":
                item.setdefault("rtpmap", []).append(value)
            elif line == "a=rtcp-mux":
                item["rtcp_mux"] = True
        summary["media"].append(item)
    return summary


async def rtp_counters(pc) -> dict:
    """RTP packets and bytes per kind from aiortc's getStats (outbound and inbound)."""
    counters: dict = {}
    try:
        report = await pc.getStats()
    except Exception as error:  # stats are informative only
        return {"error": str(error)}
    for stats in report.values():
        kind = getattr(stats, "kind", None)
        if stats.type == "outbound-rtp":
            entry = counters.setdefault(kind, {})
            entry["packets_sent"] = entry.get("packets_sent", 0) + stats.packetsSent
            entry["bytes_sent"] = entry.get("bytes_sent", 0) + stats.bytesSent
        elif stats.type == "inbound-rtp":
            entry = counters.setdefault(kind, {})
            entry["packets_received"] = entry.get("packets_received", 0) + stats.packetsReceived
        elif stats.type == "remote-outbound-rtp":
            # What the bridge's RTCP sender reports said about what it sends this peer.
            entry = counters.setdefault(kind, {})
            entry.setdefault("remote_outbound", []).append({"packets_sent": stats.packetsSent,
                                                            "bytes_sent": stats.bytesSent})
        elif stats.type == "remote-inbound-rtp":
            # What the bridge's RTCP receiver reports said about what this peer sent (RFC 3550 section 6.4.2).
            entry = counters.setdefault(kind, {})
            entry["remote_inbound"] = {"packets_lost": stats.packetsLost, "fraction_lost": stats.fractionLost,
                                       "round_trip_time": stats.roundTripTime}
    return counters
