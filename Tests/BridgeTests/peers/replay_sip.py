#!/usr/bin/env python3
"""Replays a folder of SIP messages (one per file) at a running bridge over UDP and judges the answers.

Usage: replay_sip.py HOST PORT FOLDER
Files named bad-* are malformed: they must be answered 4xx/5xx or not at all, never 1xx/2xx.
Files named valid-* or torture-* are well-formed (if unusual): a request must never get 400, and nothing but
OPTIONS and CANCEL may get 2xx (nobody here is authenticated). Responses in the folder must get no answer. Afterwards the
bridge must still answer OPTIONS with 200. Prints one line per file; exit status 0 when every rule held.
"""
import os
import re
import socket
import sys
import time
import uuid

host, port, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
local_port = sock.getsockname()[1]
failures = []


def redirect_via(data: bytes) -> bytes:
    """Points the top Via at this socket (with rport) so that answers come back here."""
    return re.sub(rb"(?im)^((?:via|v)[ \t]*:[ \t]*SIP[ \t]*/[ \t]*2\.0[ \t]*/[ \t]*UDP[ \t]+)[^;,\r\n]+",
                  lambda m: m.group(1) + b"127.0.0.1:%d" % local_port, data, count=1)


def call_id(data: bytes):
    match = re.search(rb"(?im)^(?:call-id|i)[ \t]*:[ \t]*([^\r\n]+?)[ \t]*\r?$", data)
    return match.group(1) if match else None


def collect(wait, wanted=None):
    """Status codes of the responses with Call-ID `wanted` (retransmissions for earlier files are skipped)."""
    statuses = []
    deadline = time.time() + wait
    while True:
        remaining = deadline - time.time()
        if remaining <= 0:
            return statuses
        sock.settimeout(remaining)
        try:
            data, _ = sock.recvfrom(65536)
        except socket.timeout:
            return statuses
        match = re.match(rb"SIP/2\.0 (\d{3})", data)
        if match and (wanted is None or call_id(data) == wanted):
            statuses.append(int(match.group(1)))


for name in sorted(os.listdir(folder)):
    data = open(os.path.join(folder, name), "rb").read()
    if not data:
        continue
    sock.sendto(redirect_via(data)[:65000], (host, port))
    statuses = collect(0.15, call_id(data))
    is_response = data.lstrip().startswith(b"SIP/2.0")
    method = data.lstrip().split(b" ", 1)[0].decode(errors="replace")
    print(f"{name}: {statuses}")
    if name.startswith("bad-"):
        if any(s < 300 and s != 100 for s in statuses):
            failures.append(f"{name}: malformed message answered {statuses}")
    elif name.startswith(("valid-", "torture-")):
        if is_response and statuses:
            failures.append(f"{name}: a response was answered {statuses}")
        if 400 in statuses:
            failures.append(f"{name}: well-formed request answered 400")
        # 200 to OPTIONS, and to a CANCEL that matched a transaction (RFC 3261 section 9.2), admits nobody.
        if method.upper() not in ("OPTIONS", "CANCEL") and any(200 <= s < 300 for s in statuses):
            failures.append(f"{name}: unauthenticated {method} answered {statuses}")

options = (f"OPTIONS sip:{host}:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local_port};branch=z9hG4bK{uuid.uuid4().hex};rport\r\n"
           f"From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:{host}>\r\nCall-ID: {uuid.uuid4().hex}\r\nCSeq: 1 OPTIONS\r\n"
           "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode()
sock.sendto(options, (host, port))
final = collect(2.0, call_id(options))
print(f"OPTIONS afterwards: {final}")
if 200 not in final:
    failures.append(f"the bridge no longer answers OPTIONS: {final}")
for failure in failures:
    print("FAIL " + failure)
sys.exit(1 if failures else 0)
