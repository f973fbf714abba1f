"""What the peer receives: decoded audio (RMS, probe-tone levels by Goertzel, a per-second series), decoded video
(mean colour per second, a nearest-colour class, colour changes), and the RTP-level view (SSRCs, payload types and
every RFC 8285 header extension, raw, for any ID, including the CaptID of RFC 8849).

Pure Python plus PyAV (already an aiortc dependency); no numpy. Audio is downmixed and resampled by PyAV to a low
analysis rate (8 kHz for probes up to 3.2 kHz) so the Goertzel loops stay cheap with several peers on two cores.

The RTP view needs raw packets: aiortc's HeaderExtensionsMap.get keeps only the extensions aiortc knows (mid, RIDs,
abs-send-time, toffset, audio level, transport-cc) and drops the rest, so `install_rtp_tap()` wraps
RTCDtlsTransport._handle_rtp_data (the one place that sees the decrypted packet bytes), parses the header and the
extension block itself, works out which RTCRtpReceiver aiortc's router will hand the packet to (the same rule as
RtpRouter.route_rtp, without changing its tables), and records on that receiver (`receiver._clue_tap`).
"""
from __future__ import annotations

import asyncio
import logging
import math
import struct
import time
from array import array
from collections import deque
from typing import Callable, Optional

import av
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import is_rtcp, pack_header_extensions, unpack_header_extensions

log = logging.getLogger("analysis")

CAPTID_URI = "urn:ietf:params:rtp-hdrext:sdes:CaptId"
MID_URI = "urn:ietf:params:rtp-hdrext:sdes:mid"
AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

FULL_SCALE = 32768.0
SILENCE_DB = -150.0


def db(value: float) -> float:
    return round(20 * math.log10(value), 1) if value > 0 else SILENCE_DB


def _hz_key(hz: float) -> str:
    return f"{hz:g}"


# MARK: Audio

_hann_cache: dict[int, tuple[list[float], float]] = {}


def _hann(n: int) -> tuple[list[float], float]:
    cached = _hann_cache.get(n)
    if cached is None:
        window = [0.5 - 0.5 * math.cos(2 * math.pi * i / (n - 1)) for i in range(n)] if n > 1 else [1.0]
        cached = (window, sum(window))
        if len(_hann_cache) < 16:
            _hann_cache[n] = cached
    return cached


def probe_levels(samples, rate: int, frequencies: list[float]) -> dict[float, float]:
    """Goertzel over a Hann-windowed block: each probe's level in dBFS RMS (a full-scale square wave is 0 dB, so a
    sine alone measures the same as its rms_dbfs: amplitude 0.3 -> -13.5 dB)."""
    n = len(samples)
    if n < 16:
        return {f: SILENCE_DB for f in frequencies}
    window, total = _hann(n)
    xs = [s * w for s, w in zip(samples, window)]
    levels = {}
    for frequency in frequencies:
        if frequency <= 0 or frequency >= rate / 2:
            levels[frequency] = SILENCE_DB
            continue
        coeff = 2 * math.cos(2 * math.pi * frequency / rate)
        s1 = s2 = 0.0
        for x in xs:
            s1, s2 = x + coeff * s1 - s2, s1
        power = max(0.0, s1 * s1 + s2 * s2 - coeff * s1 * s2)
        amplitude = 2 * math.sqrt(power) / total  # peak amplitude, sample units
        levels[frequency] = db(amplitude / math.sqrt(2) / FULL_SCALE)
    return levels


def presence(levels: dict[float, float], floor_db: float, range_db: float) -> tuple[Optional[float], list[float]]:
    """The strongest probe (None when none clears the floor) and every probe within range_db of it and above it."""
    if not levels:
        return None, []
    strongest = max(levels, key=lambda f: levels[f])
    if levels[strongest] < floor_db:
        return None, []
    top = levels[strongest]
    return strongest, [f for f in levels if levels[f] >= floor_db and levels[f] >= top - range_db]


def analysis_rate(frequencies: list[float]) -> int:
    top = max(frequencies, default=1000)
    for rate in (8000, 16000, 24000, 48000):
        if rate >= 2.5 * top:
            return rate
    return 48000


class AudioAnalyzer:
    def __init__(self, probes: list[float], window_s: float, floor_db: float, range_db: float,
                 base: Callable[[], Optional[float]]):
        self.probes = probes
        self.window_s = window_s
        self.floor_db = floor_db
        self.range_db = range_db
        self.base = base
        self.rate = analysis_rate(probes)
        self.resampler: Optional[av.AudioResampler] = None
        self.frames = 0
        self.samples_in = 0.0  # seconds of decoded audio
        self.formats: set[str] = set()
        self.first_at: Optional[float] = None
        self.last_at: Optional[float] = None
        self.sum_squares = 0.0
        self.count = 0
        self.window = array("h")
        self.bin_index: Optional[int] = None
        self.bin = array("h")
        self.bin_seconds = 0.0
        self.series: list[dict] = []
        self.errors = 0

    def _mono(self, frame) -> array:
        """Planar s16 at the analysis rate (PyAV's resampler), channels averaged here: swresample's own downmix
        would take 3 dB off a stereo signal whose channels are equal (Opus decodes to stereo)."""
        frame.pts = None  # gaps and jumps in aiortc's pts are not ours to judge here
        if self.resampler is None:
            self.resampler = av.AudioResampler(format="s16p", layout=None, rate=self.rate)
        try:
            out = self.resampler.resample(frame)
        except Exception:  # a format change mid-call: start a new resampler
            self.resampler = av.AudioResampler(format="s16p", layout=None, rate=self.rate)
            out = self.resampler.resample(frame)
        samples = array("h")
        for piece in out:
            planes = []
            for plane in piece.planes:
                channel = array("h")
                channel.frombytes(bytes(plane)[:piece.samples * 2])
                planes.append(channel)
            if len(planes) == 1:
                samples.extend(planes[0])
            elif len(planes) == 2:
                samples.extend(array("h", ((a + b) >> 1 for a, b in zip(planes[0], planes[1]))))
            elif planes:
                samples.extend(array("h", (sum(values) // len(values) for values in zip(*planes))))
        return samples

    def on_frame(self, frame, now: float) -> None:
        self.frames += 1
        if self.first_at is None:
            self.first_at = now
        self.last_at = now
        seconds = frame.samples / (frame.sample_rate or 48000)
        self.samples_in += seconds
        self.formats.add(f"{frame.format.name}/{frame.layout.name}/{frame.sample_rate}")
        try:
            mono = self._mono(frame)
        except Exception as error:
            self.errors += 1
            if self.errors <= 3:
                log.warning("audio analysis: %s", error)
            return
        self.sum_squares += sum(s * s for s in mono)
        self.count += len(mono)
        self.window.extend(mono)
        limit = int(self.window_s * self.rate)
        if len(self.window) > 2 * limit:
            del self.window[:len(self.window) - limit]
        base = self.base() or self.first_at
        index = max(0, int(now - base))
        if self.bin_index is not None and index != self.bin_index:
            self._close_bin()
        if self.bin_index is None:
            self.bin_index = index
        self.bin.extend(mono)
        self.bin_seconds += seconds

    def _close_bin(self) -> None:
        if self.bin_index is None:
            return
        levels = probe_levels(self.bin, self.rate, self.probes)
        strongest, present = presence(levels, self.floor_db, self.range_db)
        rms = math.sqrt(sum(s * s for s in self.bin) / len(self.bin)) if len(self.bin) else 0.0
        self.series.append({"t_s": self.bin_index, "audio_s": round(self.bin_seconds, 3),
                            "rms_dbfs": db(rms / FULL_SCALE), "strongest_hz": strongest,
                            "strongest_db": levels.get(strongest) if strongest is not None else None,
                            "present_hz": present, "probes_db": {_hz_key(f): v for f, v in levels.items()}})
        self.bin_index, self.bin, self.bin_seconds = None, array("h"), 0.0

    def report(self) -> dict:
        self._close_bin()
        limit = int(self.window_s * self.rate)
        window = self.window[-limit:] if limit else self.window
        levels = probe_levels(window, self.rate, self.probes)
        strongest, present = presence(levels, self.floor_db, self.range_db)
        rms = math.sqrt(self.sum_squares / self.count) if self.count else 0.0
        base = self.base()
        return {
            "frames": self.frames,
            "seconds": round(self.samples_in, 3),
            "formats": sorted(self.formats),
            "first_frame_ms_after_200": ms_after(base, self.first_at),
            "last_frame_ms_after_200": ms_after(base, self.last_at),
            "rms_dbfs": db(rms / FULL_SCALE),
            "analysis_rate": self.rate,
            "window_s": round(len(window) / self.rate, 3),
            "probes_db": {_hz_key(f): v for f, v in levels.items()},
            "strongest_hz": strongest,
            "present_hz": present,
            "absent_hz": [f for f in self.probes if f not in present],
            "per_second": self.series,
            "analysis_errors": self.errors,
        }


# MARK: Video

PALETTE = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "white": (255, 255, 255),
           "black": (0, 0, 0), "yellow": (255, 255, 0), "magenta": (255, 0, 255), "cyan": (0, 255, 255)}
OTHER_DISTANCE = 110.0


def classify(rgb: tuple[float, float, float]) -> str:
    """The nearest of red/green/blue/white/black/yellow/magenta/cyan (Euclidean RGB), or "other" when even that is far."""
    name, distance = min(((n, math.dist(rgb, c)) for n, c in PALETTE.items()), key=lambda item: item[1])
    return name if distance <= OTHER_DISTANCE else "other"


def mean_rgb(frame) -> tuple[float, float, float]:
    return mean_rgbs(frame)[0]


def mean_rgbs(frame) -> list[tuple[float, float, float]]:
    """The whole frame's mean colour, then each quadrant's (top left, top right, bottom left, bottom right; the
    middle of each, away from the edges a codec blurs)."""
    small = frame.reformat(width=16, height=12, format="rgb24")
    plane = small.planes[0]
    data = bytes(plane)
    row = small.width * 3
    rows = [data[y * plane.line_size:y * plane.line_size + row] for y in range(small.height)]

    def mean(xs: range, ys: range) -> tuple[float, float, float]:
        pixels = b"".join(rows[y][xs.start * 3:xs.stop * 3] for y in ys)
        count = len(pixels) // 3
        return (sum(pixels[0::3]) / count, sum(pixels[1::3]) / count, sum(pixels[2::3]) / count)

    return [mean(range(0, 16), range(0, 12)), mean(range(2, 6), range(2, 4)), mean(range(10, 14), range(2, 4)),
            mean(range(2, 6), range(8, 10)), mean(range(10, 14), range(8, 10))]


class VideoAnalyzer:
    MAX_CHANGES = 200

    def __init__(self, base: Callable[[], Optional[float]]):
        self.base = base
        self.frames = 0
        self.first_at: Optional[float] = None
        self.last_at: Optional[float] = None
        self.resolution: Optional[str] = None
        self.resolutions: list[str] = []
        self.bins: dict[int, list] = {}  # index -> [frames, r, g, b, {colour: frames}]
        self.colour: Optional[str] = None
        self.changes: list[dict] = []
        self.errors = 0

    def on_frame(self, frame, now: float) -> None:
        self.frames += 1
        if self.first_at is None:
            self.first_at = now
        self.last_at = now
        resolution = f"{frame.width}x{frame.height}"
        if resolution != self.resolution:
            self.resolution = resolution
            if resolution not in self.resolutions:
                self.resolutions.append(resolution)
        try:
            rgb, *quadrants = mean_rgbs(frame)
        except Exception as error:
            self.errors += 1
            if self.errors <= 3:
                log.warning("video analysis: %s", error)
            return
        colour = classify(rgb)
        base = self.base()
        if colour != self.colour:
            self.colour = colour
            if len(self.changes) < self.MAX_CHANGES:
                self.changes.append({"colour": colour, "ms_after_200": ms_after(base, now),
                                     "rgb": [round(c) for c in rgb]})
        index = max(0, int(now - (base or self.first_at)))
        entry = self.bins.setdefault(index, [0, 0.0, 0.0, 0.0, {}, [{}, {}, {}, {}]])
        entry[0] += 1
        for i in range(3):
            entry[1 + i] += rgb[i]
        entry[4][colour] = entry[4].get(colour, 0) + 1
        for votes, quadrant in zip(entry[5], quadrants):
            name = classify(quadrant)
            votes[name] = votes.get(name, 0) + 1

    def report(self) -> dict:
        series = []
        for index in sorted(self.bins):
            frames, r, g, b, votes, quadrants = self.bins[index]
            mean = (r / frames, g / frames, b / frames)
            series.append({"t_s": index, "frames": frames, "rgb": [round(c) for c in mean],
                           "colour": classify(mean), "majority": max(votes, key=votes.get) if votes else None,
                           "frame_colours": votes,
                           "quadrants": [max(q, key=q.get) if q else None for q in quadrants]})
        base = self.base()
        return {
            "frames": self.frames,
            "resolution": self.resolution,
            "resolutions": self.resolutions,
            "first_frame_ms_after_200": ms_after(base, self.first_at),
            "last_frame_ms_after_200": ms_after(base, self.last_at),
            "last_colour": self.colour,
            "colour_changes": self.changes,
            "per_second": series,
            "analysis_errors": self.errors,
        }


# MARK: RTP tap

def ms_after(base: Optional[float], at: Optional[float]) -> Optional[int]:
    if base is None or at is None:
        return None
    return int((at - base) * 1000)


class ExtensionRecord:
    MAX_VALUES = 16
    MAX_CHANGES = 100

    def __init__(self):
        self.packets = 0
        self.values: dict[bytes, list] = {}  # value -> [packets, first_at, last_at]
        self.last: Optional[bytes] = None
        self.changes: list[tuple[float, int, bytes]] = []  # (at, ssrc, value)

    def add(self, value: bytes, ssrc: int, now: float, level: bool = False) -> None:
        """level: an RFC 6464 audio level, whose changes are recorded only in steps of 3 dB or more."""
        self.packets += 1
        entry = self.values.get(value)
        if entry is not None:
            entry[0] += 1
            entry[2] = now
        elif len(self.values) < self.MAX_VALUES:
            self.values[value] = [1, now, now]
        if value != self.last:
            if level and self.last and value and abs((value[0] & 0x7F) - (self.last[0] & 0x7F)) < 3:
                return
            self.last = value
            if len(self.changes) < self.MAX_CHANGES:
                self.changes.append((now, ssrc, value))


class RtpTap:
    """What one RTCRtpReceiver was routed: per SSRC counts and every header extension by ID, raw."""

    def __init__(self, kind: str):
        self.kind = kind
        self.packets = 0
        self.first_at: Optional[float] = None
        self.ssrcs: dict[int, dict] = {}
        self.ssrc_changes: list[tuple[float, int]] = []
        self.extensions: dict[int, ExtensionRecord] = {}
        self.profiles: set[int] = set()
        self.parse_errors = 0

    def add(self, ssrc: int, payload_type: int, marker: int, profile: Optional[int], extensions, now: float,
            level_id: Optional[int] = None):
        self.packets += 1
        if self.first_at is None:
            self.first_at = now
        entry = self.ssrcs.get(ssrc)
        if entry is None:
            entry = self.ssrcs[ssrc] = {"packets": 0, "payload_types": {}, "first_at": now, "last_at": now}
            self.ssrc_changes.append((now, ssrc))
        elif self.ssrc_changes and self.ssrc_changes[-1][1] != ssrc and len(self.ssrc_changes) < 100:
            self.ssrc_changes.append((now, ssrc))
        entry["packets"] += 1
        entry["last_at"] = now
        entry["payload_types"][payload_type] = entry["payload_types"].get(payload_type, 0) + 1
        if profile is not None:
            self.profiles.add(profile)
        for x_id, x_value in extensions:
            record = self.extensions.get(x_id)
            if record is None:
                record = self.extensions[x_id] = ExtensionRecord()
            record.add(bytes(x_value), ssrc, now, level=x_id == level_id)

    def report(self, base: Optional[float], extmap: dict[int, str]) -> dict:
        extensions = {}
        for x_id, record in sorted(self.extensions.items()):
            uri = extmap.get(x_id)
            extensions[str(x_id)] = {
                "uri": uri, "packets": record.packets,
                "values": [{"hex": value.hex(), "text": decode_value(uri, value), "packets": entry[0],
                            "first_ms_after_200": ms_after(base, entry[1]),
                            "last_ms_after_200": ms_after(base, entry[2])}
                           for value, entry in record.values.items()],
                "changes": [{"ms_after_200": ms_after(base, at), "ssrc": ssrc, "text": decode_value(uri, value)}
                            for at, ssrc, value in record.changes],
            }
        return {
            "packets": self.packets,
            "first_packet_ms_after_200": ms_after(base, self.first_at),
            "ssrcs": {str(ssrc): {"packets": e["packets"],
                                  "payload_types": {str(pt): n for pt, n in e["payload_types"].items()},
                                  "first_ms_after_200": ms_after(base, e["first_at"]),
                                  "last_ms_after_200": ms_after(base, e["last_at"])}
                      for ssrc, e in self.ssrcs.items()},
            "ssrc_changes": [{"ms_after_200": ms_after(base, at), "ssrc": ssrc} for at, ssrc in self.ssrc_changes],
            "extension_profiles": sorted(f"0x{p:04X}" for p in self.profiles),
            "extensions": extensions,
            "parse_errors": self.parse_errors,
        }


def decode_value(uri: Optional[str], value: bytes):
    """A readable form: text for SDES items (mid, RIDs, CaptID), -dBov and the V flag for RFC 6464."""
    if uri == AUDIO_LEVEL_URI and len(value) >= 1:
        return {"voice": bool(value[0] & 0x80), "level_neg_dbov": value[0] & 0x7F}
    if uri is None or "sdes" in uri:
        try:
            text = value.decode("utf-8")
            if text.isprintable():
                return text
        except UnicodeDecodeError:
            pass
    return None


def parse_rtp_header(data: bytes):
    """(ssrc, payload_type, marker, profile or None, [(id, value)]) from a decrypted RTP packet."""
    if len(data) < 12:
        raise ValueError("short")
    b0, b1 = data[0], data[1]
    ssrc = struct.unpack_from("!L", data, 8)[0]
    pos = 12 + 4 * (b0 & 0x0F)
    profile, extensions = None, []
    if b0 & 0x10:
        if len(data) < pos + 4:
            raise ValueError("truncated extension header")
        profile, length = struct.unpack_from("!HH", data, pos)
        value = data[pos + 4:pos + 4 + 4 * length]
        if len(value) < 4 * length:
            raise ValueError("truncated extension")
        extensions = unpack_header_extensions(profile, value)
    return ssrc, b1 & 0x7F, b1 >> 7, profile, extensions


def _route(router, ssrc: int, payload_type: int):
    """RtpRouter.route_rtp's choice, without its side effect on the SSRC table."""
    by_ssrc = router.ssrc_table.get(ssrc)
    by_pt = router.payload_type_table.get(payload_type, set())
    if by_ssrc is not None and by_ssrc in by_pt:
        return by_ssrc
    if by_ssrc is None and len(by_pt) == 1:
        return next(iter(by_pt))
    return None


def receiver_kind(receiver) -> str:
    return getattr(receiver, "_RTCRtpReceiver__kind", None) or getattr(receiver.track, "kind", "unknown")


_tap_installed = False


def install_rtp_tap() -> None:
    global _tap_installed
    if _tap_installed:
        return
    from aiortc.rtcdtlstransport import RTCDtlsTransport
    original = RTCDtlsTransport._handle_rtp_data

    async def _handle_rtp_data(self, data: bytes, arrival_time_ms: int) -> None:
        try:
            ssrc, payload_type, marker, profile, extensions = parse_rtp_header(data)
            receiver = _route(self._rtp_router, ssrc, payload_type)
            if receiver is None:
                unrouted = self.__dict__.setdefault("_clue_unrouted", {})
                unrouted[payload_type] = unrouted.get(payload_type, 0) + 1
            else:
                tap = receiver.__dict__.get("_clue_tap")
                if tap is None:
                    tap = receiver.__dict__["_clue_tap"] = RtpTap(receiver_kind(receiver))
                ids = getattr(self._rtp_header_extensions_map, "_HeaderExtensionsMap__ids", None)
                tap.add(ssrc, payload_type, marker, profile, extensions, time.monotonic(),
                        level_id=getattr(ids, "audio_level", None))
        except Exception:  # aiortc's own parser decides what to drop; the tap only counts
            self.__dict__["_clue_tap_errors"] = self.__dict__.get("_clue_tap_errors", 0) + 1
        await original(self, data, arrival_time_ms)

    RTCDtlsTransport._handle_rtp_data = _handle_rtp_data
    _tap_installed = True


# MARK: Sending extensions aiortc does not know (the self-test's stub uses it for CaptID)

def add_header_extension(data: bytes, x_id: int, value: bytes) -> bytes:
    """The RTP packet with one more RFC 8285 element (one-byte form when it fits), the others kept."""
    b0 = data[0]
    pos = 12 + 4 * (b0 & 0x0F)
    extensions, rest = [], data[pos:]
    if b0 & 0x10:
        profile, length = struct.unpack_from("!HH", data, pos)
        extensions = [e for e in unpack_header_extensions(profile, data[pos + 4:pos + 4 + 4 * length])
                      if e[0] != x_id]
        rest = data[pos + 4 + 4 * length:]
    extensions.append((x_id, value))
    profile, block = pack_header_extensions(extensions)
    return bytes([b0 | 0x10]) + data[1:pos] + struct.pack("!HH", profile, len(block) // 4) + block + rest


def inject_extensions(pc, values: dict[str, tuple[int, bytes]]) -> None:
    """Every RTP packet pc sends carries values[kind] = (id, bytes) (SSRC -> kind from pc's senders). Wraps the
    DTLS transports' _send_rtp per instance, before SRTP protection."""
    wrapped = set()
    for transceiver in pc.getTransceivers():
        dtls = transceiver.sender.transport
        if dtls is None or id(dtls) in wrapped:
            continue
        wrapped.add(id(dtls))
        original = dtls._send_rtp

        async def send(data: bytes, original=original) -> None:
            if not is_rtcp(data) and len(data) >= 12:
                ssrc = struct.unpack_from("!L", data, 8)[0]
                for t in pc.getTransceivers():
                    if t.sender._ssrc == ssrc and t.kind in values:
                        x_id, value = values[t.kind]
                        data = add_header_extension(data, x_id, value)
                        break
            await original(data)

        dtls._send_rtp = send


# MARK: One peer connection's receive side

class ReceiveAnalysis:
    """Consumes every remote track of a peer connection (register before setRemoteDescription) and reports."""

    def __init__(self, pc, probes: list[float], window_s: float, floor_db: float, range_db: float,
                 base: Callable[[], Optional[float]], name: str = "endpoint"):
        self.pc = pc
        self.base = base
        self.name = name
        self.audio = AudioAnalyzer(probes, window_s, floor_db, range_db, base)
        # The first video section's (the ordinary video); every other video section (the bridge's CLUE encodings)
        # is analysed on its own, by mid.
        self.video = VideoAnalyzer(base)
        self.video_by_mid: dict[str, VideoAnalyzer] = {}
        self.tracks: list[dict] = []
        self.tasks: list[asyncio.Task] = []

        @pc.on("track")
        def on_track(track):
            self.tracks.append({"kind": track.kind, "id": track.id, "ms_after_200": ms_after(base(),
                                                                                               time.monotonic())})
            log.info("%s: remote %s track", name, track.kind)
            self.tasks.append(asyncio.ensure_future(self._consume(track)))

    def _video_analyzer(self, track) -> VideoAnalyzer:
        videos = [t for t in self.pc.getTransceivers() if t.kind == "video"]
        mine = next((t for t in videos if t.receiver.track is track), None)
        if mine is None or mine is videos[0]:
            return self.video
        return self.video_by_mid.setdefault(str(mine.mid), VideoAnalyzer(self.base))

    async def _consume(self, track) -> None:
        analyzer = self.audio if track.kind == "audio" else self._video_analyzer(track)
        try:
            while True:
                frame = await track.recv()
                analyzer.on_frame(frame, time.monotonic())
        except (MediaStreamError, asyncio.CancelledError):
            pass
        except Exception as error:
            log.warning("%s: %s track analysis stopped: %s", self.name, track.kind, error)

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()

    def rtp_report(self, extmaps: dict[str, dict[int, str]]) -> dict:
        base = self.base()
        report: dict = {}
        by_mid: dict = {}
        for transceiver in self.pc.getTransceivers():
            tap = transceiver.receiver.__dict__.get("_clue_tap")
            kind = transceiver.kind
            if tap is None:
                continue
            # Every receiving section, by mid (the bridge's CLUE encodings arrive on sections of their own).
            by_mid[str(transceiver.mid)] = dict(kind=kind, **tap.report(base, extmaps.get(kind, {})))
            if kind in report:
                continue
            report[kind] = tap.report(base, extmaps.get(kind, {}))
        report["by_mid"] = by_mid
        unrouted: dict[str, int] = {}
        seen = set()
        for transceiver in self.pc.getTransceivers():
            dtls = transceiver.receiver.transport
            if dtls is None or id(dtls) in seen:
                continue
            seen.add(id(dtls))
            for pt, count in dtls.__dict__.get("_clue_unrouted", {}).items():
                unrouted[str(pt)] = unrouted.get(str(pt), 0) + count
        report["unrouted_by_payload_type"] = unrouted
        return report

    def report(self, extmaps: dict[str, dict[int, str]]) -> dict:
        rtp = self.rtp_report(extmaps)
        audio = self.audio.report()
        video = self.video.report()
        audio["packets"] = rtp.get("audio", {}).get("packets", 0)
        video["packets"] = rtp.get("video", {}).get("packets", 0)
        captid_values: list[str] = []
        captid_by_kind: dict[str, list[str]] = {}
        for kind in ("audio", "video"):
            for record in rtp.get(kind, {}).get("extensions", {}).values():
                if record["uri"] != CAPTID_URI:
                    continue
                for value in record["values"]:
                    text = value["text"] if value["text"] is not None else value["hex"]
                    captid_by_kind.setdefault(kind, []).append(text)
                    if text not in captid_values:
                        captid_values.append(text)
        return {
            "tracks": self.tracks,
            "audio": audio,
            "video": video,
            "ssrcs": {kind: [int(s) for s in rtp[kind]["ssrcs"]] for kind in ("audio", "video") if kind in rtp},
            "captid_values": captid_values,
            "captid_by_kind": captid_by_kind,
            "rtp": rtp,
            "video_by_mid": {mid: analyzer.report() for mid, analyzer in self.video_by_mid.items()},
        }
