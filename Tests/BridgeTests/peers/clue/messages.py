"""CLUE protocol messages (RFC 8847) with the data model of RFC 8846: writing, reading, and schema validation.

Writing: the protocol namespace is the default, the data model is `dm:`, `xsi:type` names resolve through `dm:`.
Reading: namespace-aware (ElementTree), whatever prefixes the sender chose.
Validation: `xmllint --noout --schema clue-protocol.xsd -` (libxml2-utils), the schemas shipped in the repository.
"""
from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Optional
from xml.sax.saxutils import escape, quoteattr

PROTOCOL_NS = "urn:ietf:params:xml:ns:clue-protocol"
INFO_NS = "urn:ietf:params:xml:ns:clue-info"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
VERSION = "1.0"

REASONS = {
    200: "Success", 300: "Low-level request error", 301: "Bad syntax", 302: "Invalid value",
    303: "Conflicting values", 400: "Semantic errors", 401: "Version not supported", 402: "Invalid sequencing",
    403: "Invalid identifier", 404: "Advertisement expired", 405: "Subset choice not allowed",
}

MESSAGE_TYPES = ("options", "optionsResponse", "advertisement", "ack", "configure", "configureResponse")

# The repository keeps the schemas next to the Swift code that embeds them; /work/shared/specs/xsd has the same files.
_HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_XSD_DIRS = [
    os.path.normpath(os.path.join(_HERE, "..", "..", "..", "..", "Sources", "CLUEModel", "Schemas")),
    "/work/shared/specs/xsd",
]


def find_protocol_xsd(explicit_dir: Optional[str] = None) -> Optional[str]:
    for directory in ([explicit_dir] if explicit_dir else []) + DEFAULT_XSD_DIRS:
        path = os.path.join(directory, "clue-protocol.xsd")
        if os.path.exists(path):
            return path
    return None


def validate(text: str, xsd: Optional[str]) -> tuple[Optional[bool], str]:
    """(valid, xmllint's messages). valid is None when no schema or no xmllint is at hand."""
    if xsd is None:
        return None, "no schema"
    try:
        result = subprocess.run(["xmllint", "--noout", "--schema", xsd, "-"], input=text.encode("utf-8"),
                                capture_output=True, timeout=20)
    except FileNotFoundError:
        return None, "xmllint not installed"
    return result.returncode == 0, result.stderr.decode("utf-8", "replace").strip()


# MARK: Writing

def _header(root: str, sequence: int, clue_id: Optional[str], extra_ns: bool = False) -> str:
    namespaces = f'xmlns="{PROTOCOL_NS}"'
    if extra_ns:
        namespaces += f' xmlns:dm="{INFO_NS}" xmlns:xsi="{XSI_NS}"'
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} {namespaces} protocol="CLUE" v="{VERSION}">']
    if clue_id:
        lines.append(f"  <clueId>{escape(clue_id)}</clueId>")
    lines.append(f"  <sequenceNr>{sequence}</sequenceNr>")
    return "\n".join(lines) + "\n"


def _response_body(code: int, reason: Optional[str]) -> str:
    return (f"  <responseCode>{code}</responseCode>\n"
            f"  <reasonString>{escape(reason or REASONS.get(code, 'Error'))}</reasonString>\n")


def options(sequence: int, clue_id: Optional[str] = None, provider: bool = True, consumer: bool = True) -> str:
    return (_header("options", sequence, clue_id)
            + f"  <mediaProvider>{str(provider).lower()}</mediaProvider>\n"
            + f"  <mediaConsumer>{str(consumer).lower()}</mediaConsumer>\n"
            + f"  <supportedVersions>\n    <version>{VERSION}</version>\n  </supportedVersions>\n"
            + "</options>\n")


def options_response(sequence: int, code: int, clue_id: Optional[str] = None, reason: Optional[str] = None,
                     provider: bool = True, consumer: bool = True) -> str:
    body = _response_body(code, reason)
    if code == 200:
        body += (f"  <mediaProvider>{str(provider).lower()}</mediaProvider>\n"
                 f"  <mediaConsumer>{str(consumer).lower()}</mediaConsumer>\n"
                 f"  <version>{VERSION}</version>\n")
    return _header("optionsResponse", sequence, clue_id) + body + "</optionsResponse>\n"


def ack(sequence: int, advertisement_sequence: int, code: int = 200, clue_id: Optional[str] = None,
        reason: Optional[str] = None) -> str:
    return (_header("ack", sequence, clue_id) + _response_body(code, reason)
            + f"  <advSequenceNr>{advertisement_sequence}</advSequenceNr>\n</ack>\n")


def configure_response(sequence: int, configure_sequence: int, code: int = 200, clue_id: Optional[str] = None,
                       reason: Optional[str] = None) -> str:
    return (_header("configureResponse", sequence, clue_id) + _response_body(code, reason)
            + f"  <confSequenceNr>{configure_sequence}</confSequenceNr>\n</configureResponse>\n")


def configure(sequence: int, advertisement_sequence: int, choices: list[tuple[str, str]],
              clue_id: Optional[str] = None, with_ack: bool = False) -> str:
    """choices: (captureID, encodingID) pairs; an empty list asks for nothing (RFC 8847 section 5.5)."""
    text = _header("configure", sequence, clue_id, extra_ns=True)
    text += f"  <advSequenceNr>{advertisement_sequence}</advSequenceNr>\n"
    if with_ack:
        text += "  <ack>200</ack>\n"
    if choices:
        text += "  <captureEncodings>\n"
        for number, (capture, encoding) in enumerate(choices, 1):
            text += (f'    <dm:captureEncoding ID="ce{number}">\n'
                     f"      <dm:captureID>{escape(capture)}</dm:captureID>\n"
                     f"      <dm:encodingID>{escape(encoding)}</dm:encodingID>\n"
                     "    </dm:captureEncoding>\n")
        text += "  </captureEncodings>\n"
    return text + "</configure>\n"


@dataclass
class Capture:
    capture_id: str
    media_type: str  # "audio" or "video"
    encoding_group: Optional[str]
    scene: Optional[str] = None
    description: Optional[str] = None


@dataclass
class AdvertisementModel:
    """Just what this peer advertises or needs from a received advertisement."""
    captures: list[Capture] = field(default_factory=list)
    # encodingGroupID -> (maxGroupBandwidth, [encodingID])
    encoding_groups: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    # sceneID -> {sceneViewID: [captureID]}
    scenes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def encodings_for(self, capture_id: str) -> list[str]:
        for capture in self.captures:
            if capture.capture_id == capture_id and capture.encoding_group in self.encoding_groups:
                return list(self.encoding_groups[capture.encoding_group][1])
        return []

    def capture_ids(self) -> list[str]:
        return [capture.capture_id for capture in self.captures]


def endpoint_model(video: bool = True, audio: bool = True, name: str = "python peer") -> AdvertisementModel:
    """One scene with one video capture (VC0, encoding group EG0: ENC-V0) and one audio capture (AC0, EG1: ENC-A0)."""
    model = AdvertisementModel()
    views: list[str] = []
    if video:
        model.captures.append(Capture("VC0", "video", "EG0", "CS1", f"{name} camera"))
        model.encoding_groups["EG0"] = (4_000_000, ["ENC-V0"])
        views.append("VC0")
    if audio:
        model.captures.append(Capture("AC0", "audio", "EG1", "CS1", f"{name} microphone"))
        model.encoding_groups["EG1"] = (128_000, ["ENC-A0"])
        views.append("AC0")
    model.scenes["CS1"] = {"SE1": views}
    return model


def camera_model(cameras: int, name: str = "python room") -> AdvertisementModel:
    """A room with `cameras` cameras side by side (VC0 leftmost ... VCn-1, one encoding group EG0 with one
    encoding ENC-Vi per camera, so all can be sent at once) and one microphone (AC0, EG1: ENC-A0); the cameras make
    one scene view (SE1) and the microphone another (SE2)."""
    model = AdvertisementModel()
    ids = [f"VC{i}" for i in range(cameras)]
    for i, capture_id in enumerate(ids):
        model.captures.append(Capture(capture_id, "video", "EG0", "CS1", f"{name} camera {i + 1}"))
    model.encoding_groups["EG0"] = (4_000_000 * cameras, [f"ENC-V{i}" for i in range(cameras)])
    model.captures.append(Capture("AC0", "audio", "EG1", "CS1", f"{name} microphones"))
    model.encoding_groups["EG1"] = (128_000, ["ENC-A0"])
    model.scenes["CS1"] = {"SE1": ids, "SE2": ["AC0"]}
    return model


def advertisement(sequence: int, model: AdvertisementModel, clue_id: Optional[str] = None) -> str:
    text = _header("advertisement", sequence, clue_id, extra_ns=True)
    text += "  <mediaCaptures>\n"
    for capture in model.captures:
        kind = "audioCaptureType" if capture.media_type == "audio" else "videoCaptureType"
        text += (f'    <dm:mediaCapture xsi:type="dm:{kind}" captureID={quoteattr(capture.capture_id)} '
                 f"mediaType={quoteattr(capture.media_type)}>\n"
                 f"      <dm:captureSceneIDREF>{escape(capture.scene or 'CS1')}</dm:captureSceneIDREF>\n"
                 "      <dm:nonSpatiallyDefinable>true</dm:nonSpatiallyDefinable>\n"
                 "      <dm:individual>true</dm:individual>\n")
        if capture.encoding_group:
            text += f"      <dm:encGroupIDREF>{escape(capture.encoding_group)}</dm:encGroupIDREF>\n"
        if capture.description:
            text += f'      <dm:description lang="en">{escape(capture.description)}</dm:description>\n'
        text += "    </dm:mediaCapture>\n"
    text += "  </mediaCaptures>\n  <encodingGroups>\n"
    for group_id, (bandwidth, encodings) in model.encoding_groups.items():
        text += (f"    <dm:encodingGroup encodingGroupID={quoteattr(group_id)}>\n"
                 f"      <dm:maxGroupBandwidth>{bandwidth}</dm:maxGroupBandwidth>\n      <dm:encodingIDList>\n")
        for encoding in encodings:
            text += f"        <dm:encodingID>{escape(encoding)}</dm:encodingID>\n"
        text += "      </dm:encodingIDList>\n    </dm:encodingGroup>\n"
    text += "  </encodingGroups>\n  <captureScenes>\n"
    for scene_id, views in model.scenes.items():
        text += f'    <dm:captureScene sceneID={quoteattr(scene_id)} scale="unknown">\n      <dm:sceneViews>\n'
        for view_id, captures in views.items():
            text += f"        <dm:sceneView sceneViewID={quoteattr(view_id)}>\n          <dm:mediaCaptureIDs>\n"
            for capture in captures:
                text += f"            <dm:mediaCaptureIDREF>{escape(capture)}</dm:mediaCaptureIDREF>\n"
            text += "          </dm:mediaCaptureIDs>\n        </dm:sceneView>\n"
        text += "      </dm:sceneViews>\n    </dm:captureScene>\n"
    text += "  </captureScenes>\n</advertisement>\n"
    return text


# MARK: Reading

def _p(name: str) -> str:
    return f"{{{PROTOCOL_NS}}}{name}"


def _i(name: str) -> str:
    return f"{{{INFO_NS}}}{name}"


def _int(element: Optional[ET.Element]) -> Optional[int]:
    if element is None or element.text is None:
        return None
    try:
        return int(element.text.strip())
    except ValueError:
        return None


@dataclass
class Received:
    """A CLUE message as read from the channel."""
    type: str  # a MESSAGE_TYPES name, or "invalid" when not even the root could be read
    sequence: Optional[int] = None
    clue_id: Optional[str] = None
    version: Optional[str] = None
    response_code: Optional[int] = None
    reason: Optional[str] = None
    adv_sequence: Optional[int] = None  # ack, configure
    conf_sequence: Optional[int] = None  # configureResponse
    with_ack: bool = False  # configure+ack
    choices: list[tuple[str, str]] = field(default_factory=list)  # configure: (captureID, encodingID)
    model: Optional[AdvertisementModel] = None  # advertisement
    error: Optional[str] = None


def parse(text: str) -> Received:
    try:
        root = ET.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    except ET.ParseError as error:
        return Received(type="invalid", error=f"not well-formed: {error}")
    namespace, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if namespace != PROTOCOL_NS or local not in MESSAGE_TYPES:
        return Received(type="invalid", error=f"unexpected root {root.tag}")
    message = Received(type=local, sequence=_int(root.find(_p("sequenceNr"))), version=root.get("v"))
    clue_id = root.find(_p("clueId"))
    message.clue_id = clue_id.text if clue_id is not None else None
    message.response_code = _int(root.find(_p("responseCode")))
    reason = root.find(_p("reasonString"))
    message.reason = reason.text if reason is not None else None
    message.adv_sequence = _int(root.find(_p("advSequenceNr")))
    message.conf_sequence = _int(root.find(_p("confSequenceNr")))
    if local == "configure":
        message.with_ack = root.find(_p("ack")) is not None
        encodings = root.find(_p("captureEncodings"))
        for item in (encodings if encodings is not None else []):
            capture, encoding = item.find(_i("captureID")), item.find(_i("encodingID"))
            message.choices.append(((capture.text or "").strip() if capture is not None else "",
                                    (encoding.text or "").strip() if encoding is not None else ""))
    if local == "advertisement":
        model = AdvertisementModel()
        captures = root.find(_p("mediaCaptures"))
        for item in (captures if captures is not None else []):
            group = item.find(_i("encGroupIDREF"))
            scene = item.find(_i("captureSceneIDREF"))
            description = item.find(_i("description"))
            model.captures.append(Capture(
                capture_id=item.get("captureID", ""), media_type=item.get("mediaType", ""),
                encoding_group=group.text.strip() if group is not None and group.text else None,
                scene=scene.text.strip() if scene is not None and scene.text else None,
                description=description.text.strip() if description is not None and description.text else None))
        groups = root.find(_p("encodingGroups"))
        for item in (groups if groups is not None else []):
            bandwidth = _int(item.find(_i("maxGroupBandwidth"))) or 0
            ids = [(e.text or "").strip() for e in item.iter(_i("encodingID"))]
            model.encoding_groups[item.get("encodingGroupID", "")] = (bandwidth, ids)
        scenes = root.find(_p("captureScenes"))
        for scene in (scenes if scenes is not None else []):
            views: dict[str, list[str]] = {}
            for view in scene.iter(_i("sceneView")):
                views[view.get("sceneViewID", "")] = [(e.text or "").strip()
                                                      for e in view.iter(_i("mediaCaptureIDREF"))]
            model.scenes[scene.get("sceneID", "")] = views
        message.model = model
    return message
