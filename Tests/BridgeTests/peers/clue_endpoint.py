#!/usr/bin/env python3
"""An independent CLUE endpoint (RFC 8845-8850) on aiortc: SIP over UDP/TCP with digest auth, a real WebRTC media
stack (ICE, DTLS, SCTP, SRTP from aiortc/aioice), and the CLUE protocol (RFC 8847) on the CLUE data channel.

    .venv/bin/python Tests/BridgeTests/peers/clue_endpoint.py --sip 127.0.0.1:5060 --room demo
        --user alice --password secret [--transport udp|tcp] [--tone 440] [--video-color red] [--duration 5]
        [--tamper-fingerprint] [--stop-consent-after 2] [--configure-unknown] [--no-bye] ...
    .venv/bin/python Tests/BridgeTests/peers/clue_endpoint.py --self-test [--configure-unknown]

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
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from clue import media  # noqa: E402  (patches aioice before aiortc builds anything)
from clue import messages as clue_messages  # noqa: E402
from clue.participant import Participant  # noqa: E402
from clue.sip import UserAgent  # noqa: E402

media.install_patches()

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
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
  media: {tone_hz, video_color, rtp: {audio: {packets_sent, bytes_sent, packets_received}, video: {...}}}
  self-test only: stub: {the bridge stub's clue report}, checks: {name: bool}, ok: bool
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
    parser.add_argument("--stream-id", type=int, default=3, help="SCTP stream of the CLUE channel (a=dcmap)")
    parser.add_argument("--bundle-policy", choices=["balanced", "max-bundle", "max-compat"], default="balanced")
    parser.add_argument("--duration", type=float, default=5.0, metavar="SECONDS",
                        help="how long the call stays up after the 200 before our BYE (a BYE from the bridge "
                             "ends it earlier)")
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
        if args.tone and args.tone > 0:
            self.pc.addTrack(media.ToneTrack(args.tone))
        if args.video_color:
            self.pc.addTrack(media.ColourTrack(args.video_color))
        self.channel = self.pc.createDataChannel("CLUE", negotiated=True, id=args.stream_id, ordered=True,
                                                 protocol="CLUE")
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

    def dtls_role(self) -> str | None:
        transport = self.pc.sctp.transport if self.pc.sctp is not None else None
        return getattr(transport, "_role", None)

    def start_clue(self) -> None:
        if self.participant is not None:
            return
        role = self.args.clue_role
        initiator = self.dtls_role() == "client" if role == "auto" else role == "initiator"
        self.participant = Participant(
            send=self.channel.send, initiator=initiator, model=clue_messages.endpoint_model(
                video=True, audio=True), clue_id=self.args.clue_id, xsd=self.xsd,
            configure_unknown=self.args.configure_unknown,
            reference_time=self.invite_sent_at if self.invite_sent_at is not None else self.base, name=self.name)
        self.participant.start()

    async def offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())  # gathers candidates
        self.true_fingerprints = sorted({line[len("a=fingerprint:"):].strip()
                                         for line in self.pc.localDescription.sdp.splitlines()
                                         if line.startswith("a=fingerprint:")})
        return media.munge_offer(self.pc.localDescription.sdp, self.args.stream_id,
                                 tamper_fingerprint=self.args.tamper_fingerprint)

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
        return {"tone_hz": self.args.tone, "video_color": self.args.video_color,
                "rtp": await media.rtp_counters(self.pc)}

    async def close(self) -> None:
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
        try:
            if not request.body.strip():
                raise ValueError("offerless re-INVITE not supported by this peer")
            await endpoint.pc.setRemoteDescription(RTCSessionDescription(request.body, "offer"))
            await endpoint.pc.setLocalDescription(await endpoint.pc.createAnswer())
            answer = media.munge_offer(endpoint.pc.localDescription.sdp, args.stream_id)
            entry["status"] = 200
            return 200, [], answer
        except Exception as error:
            entry["status"], entry["error"] = 488, f"{type(error).__name__}: {error}"
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
        endpoint.base = final_at
        contact = final.header("contact") or ""
        sip["contact_has_sip_clue"] = "sip.clue" in contact
        sdp["answer"] = final.body
        sdp["answer_summary"] = media.answer_summary(final.body)
        try:
            await endpoint.pc.setRemoteDescription(RTCSessionDescription(final.body, "answer"))
        except Exception as error:
            sdp["remote_description_error"] = f"{type(error).__name__}: {error}"
            log.error("aiortc refused the answer: %s", error)
        consent_task = (asyncio.ensure_future(endpoint.stop_consent_later())
                        if args.stop_consent_after is not None else None)
        await endpoint.hold(args.duration, stop=ua.bye_received)
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

    endpoint = Endpoint(args, name="endpoint")
    stub_pc = new_peer_connection(args)
    stub: dict = {"participant": None, "channel_open": False}
    try:
        offer = await endpoint.offer()
        result["sdp"] = {"offer": offer, "tampered_fingerprint": args.tamper_fingerprint,
                         "certificate_fingerprints": endpoint.true_fingerprints}
        endpoint.invite_sent_at = time.monotonic()
        await stub_pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
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
        endpoint.base = time.monotonic()
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
    result["checks"] = checks
    result["ok"] = all(checks.values())


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
