#!/usr/bin/env python3
"""An independent CLUE endpoint (RFC 8845-8850) on aiortc: SIP over UDP/TCP with digest auth, a real WebRTC media
stack (ICE, DTLS, SCTP, SRTP from aiortc/aioice), and the CLUE protocol (RFC 8847) on the CLUE data channel.

    .venv/bin/python Tests/BridgeTests/peers/clue_endpoint.py --sip 127.0.0.1:5060 --room demo
        --user alice --password secret [--transport udp|tcp] [--tone 440] [--video-color red] [--duration 5]
        [--tamper-fingerprint] [--stop-consent-after 2] [--configure-unknown] [--no-bye] ...
        [--tone-gain-db -30 --loud-after 3 [--loud-gain-db 0]] [--probe-tones 440,660,880,1000]
        [--analysis-window 2] [--no-receive-analysis] [--recv-video] [--no-captid-extmap]
    .venv/bin/python Tests/BridgeTests/peers/clue_endpoint.py --self-test [--configure-unknown]
        [--tone-gain-db -30 --loud-after 2]

What the bridge sends back is decoded and analysed (see `received` below): the audio's level and the level of each
probe tone (overall, over the last --analysis-window seconds, and per second after the 200), the video's mean colour
(per second, classified red/green/blue/white/black/other), and the RTP view: SSRCs and every RFC 8285 header
extension, raw, with the CaptID values (RFC 8849) the offer's added a=extmap lets the bridge send.

Prints one JSON object on stdout when done (see RESULT SCHEMA in --help); logs go to stderr. The exit status is 0
when the run went as far as it could and the JSON was printed (the caller judges the JSON), 1 when the peer itself
failed (an exception; the JSON then has "error"), and for --self-test 0 only when every check passed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from clue import media  # noqa: E402  (patches aioice before aiortc builds anything)
from clue import analysis  # noqa: E402
from clue import messages as clue_messages  # noqa: E402
from clue.participant import Participant  # noqa: E402
from clue.sip import UserAgent  # noqa: E402

media.install_patches()
analysis.install_rtp_tap()

from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription  # noqa: E402
from aiortc.rtcconfiguration import RTCBundlePolicy  # noqa: E402

log = logging.getLogger("endpoint")

RESULT_SCHEMA = """RESULT SCHEMA (stdout, one JSON object; times are integer milliseconds):
  mode: "sip" | "self-test";  error: null | string;  args: the options used
  sip: {transport, request_uri, statuses: [every final status, e.g. 401, 200], final_status,
        offered_algorithms: [..], auth_algorithm: "SHA-256"|"MD5"|null, contact_has_sip_clue,
        invite_to_final_ms, bye_from_bridge: bool, bye_from_bridge_ms_after_200: int|null,
        bye_sent: bool, bye_status: int|null, requests_received: [{method, ms_after_200, status}]}
  sdp: {offer: str, certificate_fingerprints: [aiortc's real ones], answer: str|null, answer_summary: {ice_lite, groups: [..], media: [{kind, port, proto,
        formats, mid, direction, setup, ice_ufrag, sctp_port, max_message_size, dcmap: [..], fingerprints: [..],
        candidates: [..], rtpmap: [..], rtcp_mux, label}]}, tampered_fingerprint: bool,
        remote_description_error: str|null, reinvites: [{status, error}]}
  transport: {dtls_role, ice_states: [{state, ms_after_200}], connection_states: [{state, ms_after_200}],
        ice_connected_ms_after_200, connected_ms_after_200 (DTLS up), data_channel_opened: bool,
        data_channel_open_ms_after_200, data_channel_closed_ms_after_200, consent_stopped_ms_after_200,
        stun_dropped}
  clue: {initiator, options_response_code, remote_advertisement: {sequence, schema_valid, captures: [{id,
        media_type, encoding_group}], encoding_groups: {id: [encodingID]}} | null, local_advertisement_sequence,
        local_advertisement_ack_code, configure_choices: [[captureID, encodingID]], configure_response_code,
        configure_responses_sent: [codes], complete: bool, first_message_ms_since_invite,
        received: [{type, sequence, sequence_ok, response_code, schema_valid, schema_errors?, t_ms, version,
                    reason?, adv_sequence?, conf_sequence?, captures?, choices?}],
        sent: [{type, sequence, t_ms, ...}]}     (t_ms: since the INVITE that got the final response)
  media: {tone_hz, video_color, rtp: {audio: {packets_sent, bytes_sent, packets_received}, video: {...}},
        tone_gain_db, tone_levels: [{ms_after_200, gain_db, level_dbfs}] (as applied; level = the tone's RMS),
        audio_level_extension: {offered_id, negotiated: bool} (RFC 6464, aiortc fills it from each frame),
        captid_extmap_id: int|null (the a=extmap we added for urn:ietf:params:rtp-hdrext:sdes:CaptId)}
  received: null (--no-receive-analysis) | {            what the bridge sent us, decoded (dB: dBFS RMS)
        tracks: [{kind, id, ms_after_200}],
        audio: {frames, packets, seconds, formats, first_frame_ms_after_200, last_frame_ms_after_200, rms_dbfs,
                analysis_rate, window_s, probes_db: {"440": dB, ..} (last --analysis-window s), strongest_hz,
                present_hz: [..], absent_hz: [..], analysis_errors,
                per_second: [{t_s (second after the 200), audio_s, rms_dbfs, strongest_hz, strongest_db,
                              present_hz, probes_db}]},
        video: {frames, packets, resolution, resolutions, first_frame_ms_after_200, last_frame_ms_after_200,
                last_colour, colour_changes: [{colour, ms_after_200, rgb}], analysis_errors,
                per_second: [{t_s, frames, rgb: [r,g,b] (mean), colour: red|green|blue|white|black|other (of
                              the mean; "other" in a second with a switch), majority (the most frequent frame
                              class), frame_colours: {colour: frames}}]},
        ssrcs: {audio: [ssrc..], video: [..]}, captid_values: [str] (CaptID, RFC 8849, any kind),
        captid_by_kind: {audio: [..], video: [..]},
        rtp: {audio|video: {packets, first_packet_ms_after_200, ssrcs: {ssrc: {packets, payload_types: {pt: n},
                  first_ms_after_200, last_ms_after_200}}, ssrc_changes: [{ms_after_200, ssrc}],
                  extension_profiles: ["0xBEDE"|"0x1000"], parse_errors,
                  extensions: {id: {uri (from our offer / the answer), packets, values: [{hex, text, packets,
                      first_ms_after_200, last_ms_after_200}] (16 distinct at most), changes: [{ms_after_200, ssrc,
                      text}]}}},
              unrouted_by_payload_type: {pt: n}}}
  self-test only: stub: {the bridge stub's clue report}, stub_received: {the stub's `received`},
        stub_sent: {tone_hz, video_color, captid: {audio, video}}, checks: {name: bool}, ok: bool
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, epilog=RESULT_SCHEMA,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sip", metavar="HOST:PORT", help="the bridge's SIP address")
    parser.add_argument("--transport", choices=["udp", "tcp"], default="udp")
    parser.add_argument("--room", default="demo", help="Request-URI user part: sip:ROOM@HOST:PORT")
    parser.add_argument("--user", default="alice")
    parser.add_argument("--password", default="secret", help="a wrong one expects no 200 (see sip.final_status)")
    parser.add_argument("--wrong-password", action="store_true", help="authenticate with --password + 'x'")
    parser.add_argument("--tone", type=float, default=440.0, metavar="HZ", help="audio sine tone (0: no audio)")
    parser.add_argument("--video-color", metavar="COLOUR", help="send a solid-colour video track (name or #rrggbb)")
    parser.add_argument("--tone-gain-db", type=float, default=0.0, metavar="DB",
                        help="tone gain re nominal (amplitude 0.3 = -13.5 dBFS RMS); e.g. -30 to start quiet")
    parser.add_argument("--loud-after", type=float, metavar="SECONDS",
                        help="SECONDS after the 200, switch the tone to --loud-gain-db")
    parser.add_argument("--loud-gain-db", type=float, metavar="DB",
                        help="gain re nominal after --loud-after (default: --tone-gain-db + 20, at most +10)")
    parser.add_argument("--probe-tones", default="440,660,880,1000", metavar="HZ,HZ,..",
                        help="frequencies whose received level is measured (Goertzel)")
    parser.add_argument("--analysis-window", type=float, default=2.0, metavar="SECONDS",
                        help="received.audio.probes_db covers the last SECONDS of received audio")
    parser.add_argument("--presence-floor-db", type=float, default=-60.0, metavar="DB",
                        help="a probe is present only above this level (dBFS RMS)")
    parser.add_argument("--presence-range-db", type=float, default=20.0, metavar="DB",
                        help="... and within DB of the strongest probe")
    parser.add_argument("--no-receive-analysis", action="store_true",
                        help="do not decode or analyse what the bridge sends (received: null)")
    parser.add_argument("--audio-codec", choices=["opus", "PCMU", "PCMA"],
                        help="offer only this audio codec (a G.711 phone: PCMU or PCMA)")
    parser.add_argument("--recv-audio", action="store_true", help="with --tone 0: still offer audio, recvonly")
    parser.add_argument("--recv-video", action="store_true", help="without --video-color: offer video, recvonly")
    parser.add_argument("--no-captid-extmap", action="store_true",
                        help="do not offer a=extmap ... urn:ietf:params:rtp-hdrext:sdes:CaptId (RFC 8849)")
    parser.add_argument("--stream-id", type=int, default=3, help="SCTP stream of the CLUE channel (a=dcmap)")
    parser.add_argument("--bundle-policy", choices=["balanced", "max-bundle", "max-compat"], default="balanced")
    parser.add_argument("--duration", type=float, default=5.0, metavar="SECONDS",
                        help="how long the call stays up after the 200 before our BYE (a BYE from the bridge "
                             "ends it earlier)")
    parser.add_argument("--cameras", metavar="COLOUR,COLOUR,..",
                        help="a multi-camera room: one capture per colour (VC0 leftmost), each sent on its own "
                             "sendonly CLUE-controlled section (a=label ENC-Vi) once the bridge configures it")
    parser.add_argument("--encodings-in", choices=["reinvite", "offer"], default="reinvite",
                        help="with --cameras: add the encodings' sections by re-INVITE once our advertisement is "
                             "acknowledged (RFC 8848 section 5), or put them in the initial offer (section 4.5.1)")
    parser.add_argument("--configure", metavar="CAPTURE,CAPTURE,..",
                        help="configure exactly these of the bridge's captures (e.g. MCC11, the composed one)")
    parser.add_argument("--glare", action="store_true",
                        help="with --cameras: answer the bridge's first re-INVITE with 491 after sending our own "
                             "(RFC 3261 section 14: both sides must retry)")
    parser.add_argument("--screens", type=int, metavar="N",
                        help="configure the bridge's scene view of N video captures (one per screen)")
    parser.add_argument("--no-clue", action="store_true",
                        help="a plain SIP endpoint: no CLUE group, no data channel, only its audio and video")
    parser.add_argument("--exit-on-clue-complete", action="store_true",
                        help="end the call as soon as the CLUE exchange is complete (still bounded by --duration)")
    parser.add_argument("--tamper-fingerprint", action="store_true",
                        help="offer a=fingerprint values that do not match aiortc's certificate")
    parser.add_argument("--stop-consent-after", type=float, metavar="SECONDS",
                        help="once ICE is connected, wait SECONDS, then send no more STUN (consent freshness)")
    parser.add_argument("--configure-unknown", action="store_true",
                        help="configure a capture ID the bridge never advertised")
    parser.add_argument("--clue-role", choices=["auto", "initiator", "responder"], default="auto",
                        help="auto: CLUE Channel Initiator when we are the DTLS client")
    parser.add_argument("--clue-id", default="python-peer")
    parser.add_argument("--xsd-dir", help="folder with clue-protocol.xsd (default: the repository's)")
    parser.add_argument("--no-bye", action="store_true", help="do not send BYE at the end")
    parser.add_argument("--timeout", type=float, default=15.0, help="SIP transaction timeout")
    parser.add_argument("--self-test", action="store_true",
                        help="no SIP: two aiortc peers in this process, the other one a CLUE bridge stub")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not args.self_test and not args.sip:
        parser.error("--sip HOST:PORT is required (or --self-test)")
    try:
        args.probe_tones = [int(f) if f.is_integer() else f
                            for f in (float(x) for x in str(args.probe_tones).split(",") if x.strip())]
    except ValueError:
        parser.error("--probe-tones: comma-separated frequencies in Hz")
    if args.loud_gain_db is None:
        args.loud_gain_db = min(args.tone_gain_db + 20.0, 10.0)
    return args


def ms(since: float | None, at: float | None = None) -> int | None:
    if since is None:
        return None
    return int(((at if at is not None else time.monotonic()) - since) * 1000)


def new_peer_connection(args) -> RTCPeerConnection:
    policy = {"balanced": RTCBundlePolicy.BALANCED, "max-bundle": RTCBundlePolicy.MAX_BUNDLE,
              "max-compat": RTCBundlePolicy.MAX_COMPAT}[args.bundle_policy]
    return RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=policy))


class Endpoint:
    """The aiortc side shared by the SIP mode and the self-test: tracks, CLUE channel, state timeline."""

    def __init__(self, args, name: str = "endpoint"):
        self.args = args
        self.pc = new_peer_connection(args)
        self.tone: media.ToneTrack | None = None
        if args.tone and args.tone > 0:
            self.tone = media.ToneTrack(args.tone, gain_db=args.tone_gain_db)
            self.pc.addTrack(self.tone)
        elif args.recv_audio:
            self.pc.addTransceiver("audio", direction="recvonly")
        if getattr(args, "audio_codec", None):
            wanted = f"audio/{args.audio_codec}".lower()
            codecs = [c for c in RTCRtpSender.getCapabilities("audio").codecs if c.mimeType.lower() == wanted]
            for transceiver in self.pc.getTransceivers():
                if transceiver.kind == "audio":
                    transceiver.setCodecPreferences(codecs)
        if args.video_color:
            self.pc.addTrack(media.ColourTrack(args.video_color))
        elif args.recv_video:
            self.pc.addTransceiver("video", direction="recvonly")
        # A multi-camera room: encoding ENC-Vi on a sendonly CLUE-controlled section of its own (RFC 8848 section 5).
        self.camera_colours = [c.strip() for c in (getattr(args, "cameras", None) or "").split(",") if c.strip()]
        self.encodings: list[tuple[str, object, media.ConfiguredColourTrack]] = []
        if getattr(args, "encodings_in", "offer") == "offer":
            self.add_encoding_transceivers()
        # One offer/answer at a time: the bridge's re-INVITE and ours (RFC 3264 section 4).
        self.negotiation = asyncio.Lock()
        self.encodings_reinvite: dict | None = None
        self.configured_history: list[dict] = []
        self.bridge_labels: dict[str, str] = {}
        # {kind: {id: uri}}: our offer's a=extmap, then the answer's (the remote side's view wins)
        self.extmaps: dict[str, dict[int, str]] = {}
        self.captid_extmap_id: int | None = None
        self.analysis = None if args.no_receive_analysis else analysis.ReceiveAnalysis(
            self.pc, args.probe_tones, args.analysis_window, args.presence_floor_db, args.presence_range_db,
            base=lambda: self.base, name=name)
        self.channel = None if getattr(args, "no_clue", False) else self.pc.createDataChannel(
            "CLUE", negotiated=True, id=args.stream_id, ordered=True, protocol="CLUE")
        self.base: float | None = None  # the 200 (or the answer, in the self-test)
        self.invite_sent_at: float | None = None
        self.ice_states: list[dict] = []
        self.connection_states: list[dict] = []
        self.ice_connected_at: float | None = None
        self.connected_at: float | None = None
        self.channel_open_at: float | None = None
        self.channel_closed_at: float | None = None
        self.consent_stopped_at: float | None = None
        self.ice_connected = asyncio.Event()
        self.participant: Participant | None = None
        self.xsd = clue_messages.find_protocol_xsd(args.xsd_dir)
        self.name = name
        self.true_fingerprints: list[str] = []

        @self.pc.on("iceconnectionstatechange")
        def on_ice():
            state = self.pc.iceConnectionState
            self.ice_states.append({"state": state, "ms_after_200": ms(self.base)})
            if state in ("completed", "connected") and self.ice_connected_at is None:
                self.ice_connected_at = time.monotonic()
                self.ice_connected.set()

        @self.pc.on("connectionstatechange")
        def on_connection():
            state = self.pc.connectionState
            self.connection_states.append({"state": state, "ms_after_200": ms(self.base)})
            if state == "connected" and self.connected_at is None:
                self.connected_at = time.monotonic()

        if self.channel is None:
            return

        @self.channel.on("open")
        def on_open():
            self.channel_open_at = time.monotonic()
            log.info("%s: CLUE data channel open", self.name)
            self.start_clue()

        @self.channel.on("close")
        def on_close():
            self.channel_closed_at = time.monotonic()

        @self.channel.on("message")
        def on_message(data):
            if self.participant is not None:
                self.participant.deliver(data)

    def set_base(self, at: float) -> None:
        """The 200 (or the stub's answer): every ms_after_200 counts from here, --loud-after too."""
        self.base = at
        if self.tone is not None and self.args.loud_after is not None:
            self.tone.switch_at(at + self.args.loud_after, self.args.loud_gain_db)

    def learn_labels(self, sdp: str) -> None:
        """The bridge's encodings: {label: mid} from the a=label of its (re-)offer's sections."""
        _, sections = media.media_sections(sdp)
        for section in sections:
            mid = next((line[6:].strip() for line in section if line.startswith("a=mid:")), None)
            label = next((line[8:].strip() for line in section if line.startswith("a=label:")), None)
            if mid is not None and label is not None and not label.startswith("ENC-"):
                self.bridge_labels[label] = mid

    def learn_extmaps(self, sdp: str) -> None:
        for kind, ids in media.extmaps(sdp).items():
            self.extmaps.setdefault(kind, {}).update(ids)

    def dtls_role(self) -> str | None:
        transport = self.pc.sctp.transport if self.pc.sctp is not None else None
        return getattr(transport, "_role", None)

    def start_clue(self) -> None:
        if self.participant is not None:
            return
        role = self.args.clue_role
        initiator = self.dtls_role() == "client" if role == "auto" else role == "initiator"
        model = (clue_messages.camera_model(len(self.camera_colours)) if self.camera_colours
                 else clue_messages.endpoint_model(video=True, audio=True))
        self.participant = Participant(
            send=self.channel.send, initiator=initiator, model=model, clue_id=self.args.clue_id, xsd=self.xsd,
            configure_unknown=self.args.configure_unknown,
            reference_time=self.invite_sent_at if self.invite_sent_at is not None else self.base, name=self.name,
            screens=getattr(self.args, "screens", None), on_configured=self.configured,
            wanted=[c for c in (getattr(self.args, "configure", None) or "").split(",") if c] or None)
        self.participant.start()

    def add_encoding_transceivers(self) -> None:
        for index, _ in enumerate(self.camera_colours):
            track = media.ConfiguredColourTrack()
            transceiver = self.pc.addTransceiver(track, direction="sendonly")
            self.encodings.append((f"ENC-V{index}", transceiver, track))

    async def add_encodings_by_reinvite(self, ua, wait_for_ack: bool = True) -> None:
        """RFC 8848 section 5: once our advertisement is acknowledged, offer our encodings' sendonly sections (one
        per camera, labelled with the encoding IDs the advertisement names) in a re-INVITE. On glare (491) wait
        2.1 to 4 s, as the owner of the Call-ID (RFC 3261 section 14.1), and offer again; meanwhile the bridge's
        own re-INVITE may come and is answered."""
        report: dict = {"statuses": [], "error": None, "ms_after_200": None}
        self.encodings_reinvite = report
        try:
            while wait_for_ack and (self.participant is None or self.participant.local_advertisement_ack_code != 200):
                await asyncio.sleep(0.05)
            self.add_encoding_transceivers()
            for _ in range(4):
                async with self.negotiation:
                    # Not set as local description until answered: a 491 then leaves nothing to roll back.
                    offer = await self.pc.createOffer()
                    sdp = self.clue_sdp(offer.sdp, self.args.stream_id)
                    if not self.args.no_captid_extmap:
                        sdp, _ = media.add_extmap(sdp, analysis.CAPTID_URI)
                    if report["ms_after_200"] is None:
                        report["ms_after_200"] = ms(self.base)
                    final, statuses = await ua.reinvite(sdp, attempts=1)
                    report["statuses"] += statuses
                    if final.status == 200:
                        await self.pc.setLocalDescription(offer)
                        self.learn_extmaps(sdp)
                        await self.pc.setRemoteDescription(RTCSessionDescription(final.body, "answer"))
                    if final.status != 491:
                        return
                await asyncio.sleep(random.uniform(2.1, 4.0))
        except Exception as error:
            report["error"] = f"{type(error).__name__}: {error}"
            log.error("%s: adding our encodings failed: %s", self.name, traceback.format_exc())

    def configured(self, choices: list[tuple[str, str]]) -> None:
        """The bridge configured our captures: each configured camera's colour flows on the encoding chosen for
        it; encodings not named stop."""
        colour_of = {f"VC{i}": colour for i, colour in enumerate(self.camera_colours)}
        chosen = {encoding: capture for capture, encoding in choices}
        for encoding, _, track in self.encodings:
            track.configure(colour_of.get(chosen.get(encoding, "")))
        self.configured_history.append({"ms_after_200": ms(self.base), "choices": [list(c) for c in choices]})

    def clue_sdp(self, sdp: str, stream_id: int, tamper_fingerprint: bool = False) -> str:
        """Our SDP made a CLUE one: the data channel's dcmap and CLUE group, and our encodings' sections labelled
        and in the group."""
        # Our sections by the track they send (a=msid; aiortc gives transceivers their mid only when the offer
        # is set), and the bridge's encodings' sections, which stay CLUE-controlled in every offer and answer.
        by_track = {track.id: label for label, _, track in self.encodings}
        labels: dict[str, str] = {}
        for section in media.media_sections(sdp)[1]:
            mid = next((line[6:].strip() for line in section if line.startswith("a=mid:")), None)
            track = next((line.split()[-1] for line in section if line.startswith("a=msid:")), None)
            if mid is not None and track in by_track:
                labels[mid] = by_track[track]
        controlled = list(labels) + [mid for mid in self.bridge_labels.values() if mid not in labels]
        return media.munge_offer(sdp, stream_id, tamper_fingerprint=tamper_fingerprint,
                                 encoding_labels=labels, controlled_mids=controlled)

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())  # gathers candidates
        # aiortc (balanced policy) puts a second video transceiver on the first one's transport, marked bundled;
        # when the answer's BUNDLE moves the first one to the audio transport and discards its own, the second is
        # left on the discarded one and never sends. Unmarked, BUNDLE moves ours too.
        for _, transceiver, _ in self.encodings:
            transceiver._bundled = False
        self.true_fingerprints = sorted({line[len("a=fingerprint:"):].strip()
                                         for line in self.pc.localDescription.sdp.splitlines()
                                         if line.startswith("a=fingerprint:")})
        if getattr(self.args, "no_clue", False):
            offer = media.plain_offer(self.pc.localDescription.sdp)
        else:
            offer = self.clue_sdp(self.pc.localDescription.sdp, self.args.stream_id,
                                  tamper_fingerprint=self.args.tamper_fingerprint)
        if not self.args.no_captid_extmap:
            offer, self.captid_extmap_id = media.add_extmap(offer, analysis.CAPTID_URI)
        self.learn_extmaps(offer)
        return offer

    async def stop_consent_later(self) -> None:
        await self.ice_connected.wait()
        await asyncio.sleep(self.args.stop_consent_after)
        cancelled = media.silence_stun(self.pc)
        self.consent_stopped_at = time.monotonic()
        log.info("%s: STUN silenced (%d consent tasks cancelled)", self.name, cancelled)

    async def hold(self, duration: float, stop: asyncio.Event | None = None) -> None:
        """Keeps the call up for `duration` seconds after base, or until `stop` (a BYE) or CLUE completion."""
        deadline = (self.base or time.monotonic()) + duration
        waiters = []
        if stop is not None:
            waiters.append(asyncio.ensure_future(stop.wait()))
        if self.args.exit_on_clue_complete:
            async def clue_complete():
                while self.participant is None:
                    await asyncio.sleep(0.05)
                await self.participant.done.wait()
            waiters.append(asyncio.ensure_future(clue_complete()))
        remaining = max(0.0, deadline - time.monotonic())
        if waiters:
            await asyncio.wait(waiters, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        else:
            await asyncio.sleep(remaining)

    def transport_report(self) -> dict:
        return {
            "dtls_role": self.dtls_role(),
            "ice_states": self.ice_states,
            "connection_states": self.connection_states,
            "ice_connected_ms_after_200": ms(self.base, self.ice_connected_at) if self.ice_connected_at else None,
            "connected_ms_after_200": ms(self.base, self.connected_at) if self.connected_at else None,
            "data_channel_opened": self.channel_open_at is not None,
            "data_channel_open_ms_after_200": ms(self.base, self.channel_open_at) if self.channel_open_at else None,
            "data_channel_closed_ms_after_200":
                ms(self.base, self.channel_closed_at) if self.channel_closed_at else None,
            "consent_stopped_ms_after_200":
                ms(self.base, self.consent_stopped_at) if self.consent_stopped_at else None,
            "stun_dropped": media.stun_dropped,
        }

    def clue_report(self) -> dict | None:
        if self.participant is None:  # the channel never opened: the same shape, empty
            return {"initiator": None, "options_response_code": None, "remote_advertisement": None,
                    "local_advertisement_sequence": None, "local_advertisement_ack_code": None,
                    "configure_choices": [], "configure_response_code": None, "configure_responses_sent": [],
                    "complete": False, "received": [], "sent": [], "first_message_ms_since_invite": None}
        report = self.participant.report()
        first = self.participant.first_received_at
        report["first_message_ms_since_invite"] = (ms(self.invite_sent_at, first)
                                                   if first is not None and self.invite_sent_at else None)
        return report

    async def media_report(self) -> dict:
        offered = next((i for i, uri in self.extmaps.get("audio", {}).items() if uri == analysis.AUDIO_LEVEL_URI),
                       None)
        negotiated = any(ext.uri == analysis.AUDIO_LEVEL_URI for t in self.pc.getTransceivers()
                         if t.kind == "audio" for ext in getattr(t, "_headerExtensions", []))
        return {"tone_hz": self.args.tone, "video_color": self.args.video_color,
                "rtp": await media.rtp_counters(self.pc),
                "tone_gain_db": self.args.tone_gain_db,
                "tone_levels": [{"ms_after_200": ms(self.base, level["at"]) if self.base else None,
                                 "gain_db": level["gain_db"], "level_dbfs": level["level_dbfs"]}
                                for level in (self.tone.levels if self.tone else [])],
                "audio_level_extension": {"offered_id": offered, "negotiated": negotiated},
                "encodings": [{"label": label, "mid": transceiver.mid, "colour": track.colour}
                              for label, transceiver, track in self.encodings],
                "configured": self.configured_history,
                "bridge_labels": self.bridge_labels,
                "encodings_reinvite": self.encodings_reinvite,
                "transceivers": [{"mid": t.mid, "kind": t.kind, "direction": t.direction,
                                  "current_direction": t.currentDirection} for t in self.pc.getTransceivers()],
                "captid_extmap_id": self.captid_extmap_id}

    def received_report(self) -> dict | None:
        if self.analysis is None:
            return None
        return self.analysis.report(self.extmaps)

    async def close(self) -> None:
        if self.analysis is not None:
            self.analysis.stop()
        if self.participant is not None:
            await self.participant.stop()
        await self.pc.close()


# MARK: SIP mode

async def run_sip(args, result: dict) -> None:
    host, _, port = args.sip.rpartition(":")
    endpoint = Endpoint(args)
    password = args.password + "x" if args.wrong_password else args.password
    ua = UserAgent(host, int(port), args.transport, args.room, args.user, password)
    ua.timeout = args.timeout
    sip: dict = {"transport": args.transport, "request_uri": ua.uri, "statuses": [], "final_status": None,
                 "offered_algorithms": [], "auth_algorithm": None, "contact_has_sip_clue": None,
                 "invite_to_final_ms": None, "bye_from_bridge": False, "bye_from_bridge_ms_after_200": None,
                 "bye_sent": False, "bye_status": None, "requests_received": []}
    sdp: dict = {"offer": None, "answer": None, "answer_summary": None,
                 "tampered_fingerprint": args.tamper_fingerprint, "remote_description_error": None, "reinvites": []}
    result.update(sip=sip, sdp=sdp)

    async def on_request(request):
        if request.method != "INVITE":
            return 200, [], ""
        entry: dict = {"status": None, "error": None}
        sdp["reinvites"].append(entry)
        if args.glare and endpoint.encodings_reinvite is None:
            # Glare on purpose: our own re-INVITE goes out before we answer the bridge's, which gets 491. Waiting
            # for it to be sent, not for it to be seen pending: the bridge's 491 to it can come within milliseconds,
            # and a wait that missed that left the bridge's INVITE unanswered until our retry, which collided with it
            # again (a second round of glare, alice's cameras about 12 s into the call).
            glare_task = asyncio.ensure_future(endpoint.add_encodings_by_reinvite(ua, wait_for_ack=False))
            while ua.reinvites_sent == 0 and not glare_task.done():
                await asyncio.sleep(0.005)
            entry["status"] = 491
            return 491, [], ""
        try:
            if not request.body.strip():
                raise ValueError("offerless re-INVITE not supported by this peer")
            async with endpoint.negotiation:
                # Our encodings' transceivers not yet negotiated (our offer got 491) must not be taken for the
                # bridge's new sections, which aiortc would otherwise do (JSEP reuses unassociated transceivers).
                hidden = [t for _, t, _ in endpoint.encodings if t.mid is None]
                for transceiver in hidden:
                    transceiver._set_mid(f"not-yet-{id(transceiver)}")
                    transceiver._offerDirection = "inactive"  # (aiortc sets every transceiver's direction)
                try:
                    await endpoint.pc.setRemoteDescription(RTCSessionDescription(request.body, "offer"))
                    await endpoint.pc.setLocalDescription(await endpoint.pc.createAnswer())
                finally:
                    for transceiver in hidden:
                        transceiver._RTCRtpTransceiver__mid = None
                        transceiver._offerDirection = None
            answer = (media.plain_offer(endpoint.pc.localDescription.sdp) if args.no_clue
                      else endpoint.clue_sdp(endpoint.pc.localDescription.sdp, args.stream_id))
            if not args.no_captid_extmap:
                answer = media.echo_extmap(answer, request.body, analysis.CAPTID_URI)
            endpoint.learn_extmaps(request.body)
            endpoint.learn_labels(request.body)
            entry["status"] = 200
            return 200, [], answer
        except Exception as error:
            entry["status"], entry["error"] = 488, f"{type(error).__name__}: {error}"
            log.error("answering the bridge's re-INVITE failed: %s", traceback.format_exc())
            return 488, [], ""

    ua.on_request = on_request
    try:
        await ua.open()
        offer = await endpoint.offer()
        sdp["offer"] = offer
        sdp["certificate_fingerprints"] = endpoint.true_fingerprints
        final, details = await ua.invite(offer)
        final_at = time.monotonic()
        endpoint.invite_sent_at = details["invite_sent_at"]
        sip.update(statuses=details["statuses"], final_status=final.status,
                   offered_algorithms=details["offered_algorithms"], auth_algorithm=details["auth_algorithm"],
                   invite_to_final_ms=ms(details["invite_sent_at"], final_at))
        if final.status != 200:
            log.info("INVITE ended with %s", final.status)
            return
        endpoint.set_base(final_at)
        contact = final.header("contact") or ""
        sip["contact_has_sip_clue"] = "sip.clue" in contact
        sdp["answer"] = final.body
        sdp["answer_summary"] = media.answer_summary(final.body)
        endpoint.learn_extmaps(final.body)
        try:
            await endpoint.pc.setRemoteDescription(RTCSessionDescription(final.body, "answer"))
        except Exception as error:
            sdp["remote_description_error"] = f"{type(error).__name__}: {error}"
            log.error("aiortc refused the answer: %s", error)
        consent_task = (asyncio.ensure_future(endpoint.stop_consent_later())
                        if args.stop_consent_after is not None else None)
        encodings_task = (asyncio.ensure_future(endpoint.add_encodings_by_reinvite(ua))
                          if endpoint.camera_colours and args.encodings_in == "reinvite" and not args.glare else None)
        await endpoint.hold(args.duration, stop=ua.bye_received)
        if encodings_task is not None:
            encodings_task.cancel()
        if ua.bye_received.is_set():
            await asyncio.sleep(0.2)  # let a last CLUE message or state change land
        if consent_task is not None:
            consent_task.cancel()
        result["media"] = await endpoint.media_report()
        if not ua.bye_received.is_set() and not args.no_bye:
            sip["bye_sent"] = True
            sip["bye_status"] = await ua.bye()
    finally:
        sip["bye_from_bridge"] = ua.bye_received_at is not None
        sip["bye_from_bridge_ms_after_200"] = ms(endpoint.base, ua.bye_received_at) if (
            ua.bye_received_at and endpoint.base) else None
        sip["requests_received"] = [{"method": r["method"], "ms_after_200": ms(endpoint.base, r["t"])
                                     if endpoint.base else None, "status": r.get("status")}
                                    for r in ua.requests_received]
        result["transport"] = endpoint.transport_report()
        result["clue"] = endpoint.clue_report()
        result.setdefault("media", {"tone_hz": args.tone, "video_color": args.video_color, "rtp": {}})
        result["received"] = endpoint.received_report()
        await endpoint.close()
        await ua.close()


# MARK: Self-test

def stub_model() -> clue_messages.AdvertisementModel:
    """What a bridge might advertise: two video captures and one audio capture in one scene."""
    model = clue_messages.AdvertisementModel()
    model.captures = [
        clue_messages.Capture("VC1", "video", "EGV", "CS1", "stub left"),
        clue_messages.Capture("VC2", "video", "EGV", "CS1", "stub right"),
        clue_messages.Capture("AC1", "audio", "EGA", "CS1", "stub room audio"),
    ]
    model.encoding_groups = {"EGV": (6_000_000, ["ENC1", "ENC2"]), "EGA": (128_000, ["ENC3"])}
    model.scenes = {"CS1": {"SE1": ["VC1", "VC2"], "SE2": ["AC1"]}}
    return model


async def run_self_test(args, result: dict) -> None:
    checks: dict[str, bool] = {}
    xsd = clue_messages.find_protocol_xsd(args.xsd_dir)
    checks["schema found"] = xsd is not None
    # Every template this peer writes must be schema-valid.
    samples = {
        "options": clue_messages.options(1, "x"),
        "optionsResponse": clue_messages.options_response(1, 200, "x"),
        "optionsResponse 401": clue_messages.options_response(1, 401),
        "advertisement (endpoint)": clue_messages.advertisement(1, clue_messages.endpoint_model(), "x"),
        "advertisement (stub)": clue_messages.advertisement(1, stub_model()),
        "ack": clue_messages.ack(1, 1),
        "configure": clue_messages.configure(1, 1, [("VC1", "ENC1")], "x"),
        "configure+ack, empty": clue_messages.configure(1, 1, [], with_ack=True),
        "configureResponse": clue_messages.configure_response(1, 1, 404),
    }
    for name, text in samples.items():
        valid, errors = clue_messages.validate(text, xsd)
        checks[f"template valid: {name}"] = bool(valid)
        if not valid:
            log.error("template %s invalid: %s", name, errors)

    # Digest: RFC 7616 section 3.9.1's two challenges; SHA-256 is chosen and both responses match the RFC's.
    from clue import sip as sip_module
    challenge_text = ('SIP/2.0 401 Unauthorized\r\nCSeq: 1 INVITE\r\n' + "".join(
        f'WWW-Authenticate: Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm}, '
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
        '\r\n' for algorithm in ("MD5", "SHA-256")) + "Content-Length: 0\r\n\r\n")
    challenges = sip_module.digest_challenges(sip_module.parse(challenge_text.encode()))
    chosen = sip_module.choose_challenge(challenges)
    checks["digest: SHA-256 chosen over MD5"] = chosen is not None and chosen.get("algorithm") == "SHA-256"
    expected = {"SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
                "MD5": "8ca523f5e9506fed4657c9700eebdbec"}
    for challenge in challenges:
        header = sip_module.authorization(challenge, "GET", "/dir/index.html", "Mufasa", "Circle of Life",
                                          cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
        checks[f"digest: RFC 7616 {challenge['algorithm']} vector"] = \
            f'response="{expected[challenge["algorithm"]]}"' in header

    # Glare: a caller that times its own retry (attempts=1, the encodings' re-INVITE) gets the 491 at once, so that
    # it waits one interval of RFC 3261 section 14.1, not two, and the peer's re-INVITE is not left unanswered.
    glare_ua = sip_module.UserAgent("127.0.0.1", 9, "udp", "demo", "alice", "x")
    glare_ua.remote_target = glare_ua.uri

    async def request_pending(message, timeout=0.0):
        return [sip_module.parse((f"SIP/2.0 491 Request Pending\r\nVia: {message.header('via')}\r\n"
                                  f"CSeq: {message.cseq[0]} INVITE\r\nContent-Length: 0\r\n\r\n").encode())]

    glare_ua.transaction = request_pending
    started = time.monotonic()
    _, glare_statuses = await glare_ua.reinvite("v=0\r\n", attempts=1)
    checks["glare: reinvite(attempts=1) returns the 491 without waiting"] = (
        glare_statuses == [491] and time.monotonic() - started < 1.0)

    # Media both ways: the endpoint sends its tone and a colour (red unless told), the stub sends back another probe
    # tone and another colour, and stamps CaptID header extensions on its RTP, as the bridge may.
    if not args.video_color:
        args.video_color = "red"
    own_tone = args.tone if args.tone and args.tone > 0 else None
    stub_tone = next((f for f in [880.0, 660.0, 1000.0] + list(args.probe_tones)
                      if f in args.probe_tones and (own_tone is None or abs(f - own_tone) > 30)), 880.0)
    stub_colour = "green" if media.parse_colour(args.video_color) == media.COLOURS["blue"] else "blue"
    stub_captids = {"audio": "AC1", "video": "VC1"}
    result["stub_sent"] = {"tone_hz": stub_tone, "video_color": stub_colour, "captid": stub_captids}

    endpoint = Endpoint(args, name="endpoint")
    stub_pc = new_peer_connection(args)
    stub_analysis = analysis.ReceiveAnalysis(stub_pc, args.probe_tones, args.analysis_window,
                                             args.presence_floor_db, args.presence_range_db,
                                             base=lambda: endpoint.base, name="stub")
    stub_extmaps: dict[str, dict[int, str]] = {}
    stub: dict = {"participant": None, "channel_open": False}
    try:
        offer = await endpoint.offer()
        result["sdp"] = {"offer": offer, "tampered_fingerprint": args.tamper_fingerprint,
                         "certificate_fingerprints": endpoint.true_fingerprints}
        endpoint.invite_sent_at = time.monotonic()
        await stub_pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        stub_pc.addTrack(media.ToneTrack(stub_tone))
        stub_pc.addTrack(media.ColourTrack(stub_colour))
        # The stub answers like the bridge: DTLS server (a=setup:passive), so the endpoint is the CLUE CI.
        for transceiver in stub_pc.getTransceivers():
            transceiver.receiver.transport._set_role("server")
        stub_pc.sctp.transport._set_role("server")
        stub_channel = stub_pc.createDataChannel("CLUE", negotiated=True, id=args.stream_id, ordered=True,
                                                 protocol="CLUE")
        stub_participant = Participant(send=stub_channel.send, initiator=False, model=stub_model(),
                                       clue_id="bridge-stub", xsd=xsd, reference_time=endpoint.invite_sent_at,
                                       name="stub")
        stub["participant"] = stub_participant

        @stub_channel.on("open")
        def on_open():
            stub["channel_open"] = True
            stub_participant.start()

        @stub_channel.on("message")
        def on_message(data):
            stub_participant.deliver(data)

        await stub_pc.setLocalDescription(await stub_pc.createAnswer())
        answer = media.munge_offer(stub_pc.localDescription.sdp, args.stream_id)
        answer = media.echo_extmap(answer, offer, analysis.CAPTID_URI)
        for sdp_text in (offer, answer):
            for kind, ids in media.extmaps(sdp_text).items():
                stub_extmaps.setdefault(kind, {}).update(ids)
        captid_id = next((i for i, uri in media.extmaps(answer).get("audio", {}).items()
                          if uri == analysis.CAPTID_URI), None)
        if captid_id is not None:
            analysis.inject_extensions(stub_pc, {kind: (captid_id, value.encode())
                                                 for kind, value in stub_captids.items()})
        endpoint.set_base(time.monotonic())
        endpoint.learn_extmaps(answer)
        result["sdp"].update(answer=answer, answer_summary=media.answer_summary(answer))
        await endpoint.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        consent_task = (asyncio.ensure_future(endpoint.stop_consent_later())
                        if args.stop_consent_after is not None else None)
        await endpoint.hold(args.duration)
        if consent_task is not None:
            consent_task.cancel()
        result["media"] = await endpoint.media_report()
    finally:
        result["transport"] = endpoint.transport_report()
        result["clue"] = endpoint.clue_report()
        result["stub"] = stub["participant"].report() if stub["participant"] else None
        result["received"] = endpoint.received_report()
        result["stub_received"] = stub_analysis.report(stub_extmaps)
        stub_analysis.stop()
        await endpoint.close()
        await stub_pc.close()

    clue = result["clue"] or {}
    stub_report = result["stub"] or {}
    rtp = result["media"]["rtp"]
    if args.tamper_fingerprint:
        checks["tampered: data channel never opened"] = not result["transport"]["data_channel_opened"]
        checks["tampered: no CLUE message"] = not clue.get("received")
    else:
        expected_configure = 400 if args.configure_unknown else 200
        checks["data channel opened"] = result["transport"]["data_channel_opened"]
        checks["endpoint is CLUE initiator (DTLS client)"] = clue.get("initiator") is True
        checks["optionsResponse 200"] = clue.get("options_response_code") == 200
        checks["stub advertisement schema-valid"] = bool((clue.get("remote_advertisement") or {}).get("schema_valid"))
        checks["stub captures read"] = [c["id"] for c in (clue.get("remote_advertisement") or {}).get(
            "captures", [])] == ["VC1", "VC2", "AC1"]
        checks["our advertisement acked 200"] = clue.get("local_advertisement_ack_code") == 200
        checks[f"configureResponse {expected_configure}"] = clue.get("configure_response_code") == expected_configure
        checks["stub configure answered 200"] = clue.get("configure_responses_sent") == [200]
        checks["endpoint: every message schema-valid and in sequence"] = bool(clue.get("received")) and all(
            m["schema_valid"] and m.get("sequence_ok") for m in clue["received"])
        checks["stub: every message schema-valid and in sequence"] = bool(stub_report.get("received")) and all(
            m["schema_valid"] and m.get("sequence_ok") for m in stub_report["received"])
        checks["stub: 5 messages received"] = [m["type"] for m in stub_report.get("received", [])] == [
            "options", "advertisement", "ack", "configure", "configureResponse"]
        checks["CLUE complete"] = bool(clue.get("complete"))
        checks["first CLUE message timed"] = clue.get("first_message_ms_since_invite") is not None
        if args.tone:
            checks["audio RTP sent"] = rtp.get("audio", {}).get("packets_sent", 0) > 0
        if args.video_color:
            checks["video RTP sent"] = rtp.get("video", {}).get("packets_sent", 0) > 0
        if not args.no_receive_analysis:
            media_checks(args, result, checks, own_tone, stub_tone, stub_colour, stub_captids)
    result["checks"] = checks
    result["ok"] = all(checks.values())


def media_checks(args, result: dict, checks: dict, own_tone, stub_tone: float, stub_colour: str,
                 stub_captids: dict) -> None:
    """What the endpoint's receive analysis made of the stub's media, and the stub's of the endpoint's."""
    received = result.get("received") or {}
    audio, video = received.get("audio", {}), received.get("video", {})
    rtp = received.get("rtp", {})
    # Bounds loose enough for a starved machine (aiortc's pacing slips under load; the analysis must not).
    checks["received audio decoded (>= 0.5 s)"] = audio.get("seconds", 0) >= 0.5 and audio.get("packets", 0) >= 20
    checks[f"received {stub_tone:g} Hz present"] = stub_tone in audio.get("present_hz", [])
    others = [f for f in args.probe_tones if f != stub_tone]
    checks[f"received: other probes absent ({','.join(f'{f:g}' for f in others)})"] = \
        bool(audio.get("present_hz")) and all(f in audio.get("absent_hz", []) for f in others)
    checks["received audio level plausible (-20..-8 dBFS)"] = -20 <= audio.get("rms_dbfs", -150) <= -8
    series = audio.get("per_second", [])
    checks["audio per-second series names the tone"] = len(series) >= 2 and all(
        entry["strongest_hz"] == stub_tone for entry in series if entry["audio_s"] >= 0.1)
    checks["received video decoded"] = video.get("frames", 0) >= 10 and video.get("resolution") == "320x240"
    checks[f"received video classified {stub_colour}"] = video.get("last_colour") == stub_colour and bool(
        video.get("per_second")) and all(entry["colour"] == stub_colour for entry in video["per_second"])
    checks["first video frame timed"] = (video.get("first_frame_ms_after_200") or -1) >= 0
    checks["received SSRCs: one per kind"] = all(len(received.get("ssrcs", {}).get(kind, [])) == 1
                                                 for kind in ("audio", "video"))
    mids = {(kind, value["text"]) for kind in ("audio", "video")
            for record in rtp.get(kind, {}).get("extensions", {}).values() if record["uri"] == analysis.MID_URI
            for value in record["values"]}
    checks["mid header extension read raw"] = {kind for kind, _ in mids} == {"audio", "video"}
    if not args.no_captid_extmap:
        checks["CaptID extmap offered on audio and video"] = all(
            f"a=extmap:{result['media']['captid_extmap_id']} {analysis.CAPTID_URI}" in section
            for section in result["sdp"]["offer"].split("m=")[1:] if section.startswith(("audio", "video")))
        checks["CaptID values received per kind"] = received.get("captid_by_kind") == {
            kind: [value] for kind, value in stub_captids.items()}
    # The other direction: the stub's analysis of the endpoint's media (tone, gain steps, RFC 6464 level).
    stub = result.get("stub_received") or {}
    stub_audio = stub.get("audio", {})
    if own_tone is None:
        return
    checks[f"stub hears the endpoint's {own_tone:g} Hz"] = own_tone in stub_audio.get("present_hz", []) or (
        own_tone not in args.probe_tones)
    checks[f"stub sees the endpoint's {args.video_color}"] = (stub.get("video", {}).get("last_colour") ==
                                                              args.video_color)
    levels = result["media"].get("tone_levels", [])
    audio_level = next((record for record in stub.get("rtp", {}).get("audio", {}).get("extensions", {}).values()
                        if record["uri"] == analysis.AUDIO_LEVEL_URI), None)
    sent_levels = [value["text"]["level_neg_dbov"] for value in (audio_level or {}).get("values", [])]
    checks["RFC 6464 audio level negotiated"] = result["media"]["audio_level_extension"]["negotiated"]
    checks["RFC 6464 level matches the tone's first level"] = bool(levels) and any(
        abs(value + levels[0]["level_dbfs"]) <= 1.5 for value in sent_levels)
    if args.loud_after is not None:
        switched = levels[1] if len(levels) >= 2 else None
        checks["tone switched at --loud-after"] = switched is not None and abs(
            switched["ms_after_200"] - args.loud_after * 1000) <= 300
        checks["RFC 6464 level follows the switch"] = switched is not None and any(
            abs(value + switched["level_dbfs"]) <= 1.5 for value in sent_levels)
        step = args.loud_gain_db - args.tone_gain_db
        before = [e["rms_dbfs"] for e in stub_audio.get("per_second", [])
                  if e["t_s"] + 1 <= args.loud_after and e["audio_s"] >= 0.1]
        after = [e["rms_dbfs"] for e in stub_audio.get("per_second", [])
                 if e["t_s"] >= args.loud_after + 0.5 and e["audio_s"] >= 0.1]
        checks[f"stub's per-second level steps by ~{step:g} dB"] = bool(before) and bool(after) and abs(
            (sum(after) / len(after) - sum(before) / len(before)) - step) <= 4


async def main_async(args) -> dict:
    result: dict = {"mode": "self-test" if args.self_test else "sip", "error": None,
                    "args": {k: v for k, v in vars(args).items()}}
    try:
        if args.self_test:
            await run_self_test(args, result)
        else:
            await run_sip(args, result)
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
        log.error("%s", traceback.format_exc())
    return result


def main() -> int:
    args = parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s.%(msecs)03d %(name)s %(levelname)s %(message)s", datefmt="%H:%M:%S")
    if not args.verbose:
        for noisy in ("aioice", "aiortc", "asyncio"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    result = asyncio.run(main_async(args))
    print(json.dumps(result, indent=2, default=str), flush=True)
    if result["error"]:
        return 1
    if args.self_test:
        return 0 if result.get("ok") else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
