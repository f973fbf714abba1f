#!/usr/bin/env python3
"""An independent SIP-over-TLS CLUE caller (Python's ssl and hashlib, no SIP library).

Usage: sip_tls_call.py HOST PORT ROOM USER PASSWORD [ALGORITHM]
Dials sip:ROOM@HOST over TLS with a CLUE offer, answers the digest challenge with ALGORITHM (SHA-256 by default,
chosen from the bridge's WWW-Authenticate headers), expects 200 with sip.clue in Contact, sends ACK, then BYE.
Prints one line per step; exit status 0 when the whole call worked, 1 otherwise (with the reason).
"""
import hashlib
import re
import socket
import ssl
import sys
import uuid

host, port, room, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
algorithm = sys.argv[6] if len(sys.argv) > 6 else "SHA-256"

context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE  # the bridge's certificate is self-signed on first run
raw = socket.create_connection((host, port), timeout=10)
tls = context.wrap_socket(raw)
local_host, local_port = tls.getsockname()[:2]
buffer = b""


def read_message():
    global buffer
    while True:
        head_end = buffer.find(b"\r\n\r\n")
        if head_end >= 0:
            head = buffer[:head_end].decode()
            match = re.search(r"(?im)^(content-length|l)\s*:\s*(\d+)", head)
            length = int(match.group(2)) if match else 0
            if len(buffer) >= head_end + 4 + length:
                message = buffer[: head_end + 4 + length].decode()
                buffer = buffer[head_end + 4 + length :]
                return message
        chunk = tls.recv(65536)
        if not chunk:
            raise SystemExit("connection closed by the bridge")
        buffer += chunk


def read_final():
    while True:
        message = read_message()
        status = int(message.split(" ", 2)[1])
        if status >= 200:
            return status, message


call_id = uuid.uuid4().hex
from_tag = uuid.uuid4().hex[:8]
sdp = "\r\n".join([
    "v=0", f"o=- 1 1 IN IP4 {local_host}", "s=-", f"c=IN IP4 {local_host}", "t=0 0",
    "a=group:CLUE 3", "a=ice-ufrag:pyUfrag", "a=ice-pwd:pyIcePasswordPyIcePassword",
    "a=fingerprint:sha-256 " + ":".join(f"{b:02X}" for b in hashlib.sha256(b"python peer").digest()),
    "a=setup:actpass",
    "m=audio 40000 UDP/TLS/RTP/SAVPF 111", "a=mid:1", "a=rtpmap:111 opus/48000/2", "a=rtcp-mux", "a=sendrecv",
    "m=application 40002 UDP/DTLS/SCTP webrtc-datachannel", "a=mid:3", "a=sctp-port:5000",
    "a=dcmap:2 subprotocol=\"CLUE\";ordered=true", "",
])


def request(method, cseq, uri, to_tag="", extra="", body=""):
    headers = [
        f"{method} {uri} SIP/2.0",
        f"Via: SIP/2.0/TLS {local_host}:{local_port};branch=z9hG4bK{uuid.uuid4().hex[:12]};rport",
        f"From: \"Python\" <sip:{user}@{host}>;tag={from_tag}",
        f"To: <sip:{room}@{host}>" + (f";tag={to_tag}" if to_tag else ""),
        f"Call-ID: {call_id}", f"CSeq: {cseq} {method}",
        f"Contact: <sip:{user}@{local_host}:{local_port};transport=tls>;+sip.clue",
        "Max-Forwards: 70",
    ]
    if extra:
        headers.append(extra)
    if body:
        headers.append("Content-Type: application/sdp")
    headers.append(f"Content-Length: {len(body.encode())}")
    tls.sendall(("\r\n".join(headers) + "\r\n\r\n" + body).encode())


uri = f"sip:{room}@{host}:{port};transport=tls"
request("INVITE", 1, uri, body=sdp)
status, challenge = read_final()
print(f"INVITE -> {status}")
if status != 401:
    raise SystemExit(f"expected 401, got {status}")
to_tag = re.search(r"(?im)^(to|t)\s*:.*;tag=([^;\s]+)", challenge).group(2)
request("ACK", 1, uri, to_tag=to_tag)

offers = re.findall(r"(?im)^www-authenticate\s*:\s*digest\s+(.*)$", challenge)
chosen = None
for offer in offers:
    params = dict((k.lower(), v.strip('"')) for k, v in re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', offer))
    if params.get("algorithm", "MD5").upper() == algorithm.upper():
        chosen = params
if chosen is None:
    raise SystemExit(f"no {algorithm} challenge among {offers}")
h = (lambda text: hashlib.sha256(text.encode()).hexdigest()) if algorithm.upper() == "SHA-256" else \
    (lambda text: hashlib.md5(text.encode()).hexdigest())
cnonce, nc = uuid.uuid4().hex[:16], "00000001"
ha1 = h(f"{user}:{chosen['realm']}:{password}")
ha2 = h(f"INVITE:{uri}")
response = h(f"{ha1}:{chosen['nonce']}:{nc}:{cnonce}:auth:{ha2}")
authorization = (f'Authorization: Digest username="{user}", realm="{chosen["realm"]}", nonce="{chosen["nonce"]}", '
                 f'uri="{uri}", response="{response}", algorithm={algorithm}, qop=auth, nc={nc}, '
                 f'cnonce="{cnonce}"' + (f', opaque="{chosen["opaque"]}"' if "opaque" in chosen else ""))
request("INVITE", 2, uri, extra=authorization, body=sdp)
status, answer = read_final()
print(f"INVITE (authenticated, {algorithm}) -> {status}")
if status != 200:
    raise SystemExit(f"expected 200, got {status}:\n{answer}")
if not re.search(r"(?im)^(contact|m)\s*:.*sip\.clue", answer):
    raise SystemExit("200 Contact lacks sip.clue")
for needle in ["a=group:CLUE", "a=dcmap:2", "a=fingerprint:sha-256", "a=ice-ufrag:", "a=setup:"]:
    if needle not in answer:
        raise SystemExit(f"answer lacks {needle}")
to_tag = re.search(r"(?im)^(to|t)\s*:.*;tag=([^;\s]+)", answer).group(2)
contact = re.search(r"(?im)^(contact|m)\s*:.*<([^>]+)>", answer).group(2)
request("ACK", 2, contact, to_tag=to_tag)
request("BYE", 3, contact, to_tag=to_tag)
status, _ = read_final()
print(f"BYE -> {status}")
if status != 200:
    raise SystemExit(f"BYE got {status}")
print("call complete over TLS")
