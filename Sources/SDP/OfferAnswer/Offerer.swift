/// A media section the bridge adds in its next offer.
public struct NewMediaSection: Sendable, Hashable {
    public var kind: MediaKind
    public var direction: Direction
    /// `a=label`: on a CLUE encoding, the encoding ID the bridge's advertisements use (RFC 8848 section 4.4.1).
    public var label: String?
    /// Put in the CLUE group.
    public var isCLUEControlled: Bool
    /// Announced with `a=ssrc ... cname:` so that a bundled receiver can route the stream.
    public var ssrc: UInt32?

    public init(kind: MediaKind, direction: Direction, label: String? = nil, isCLUEControlled: Bool = false,
                ssrc: UInt32? = nil) {
        self.kind = kind
        self.direction = direction
        self.label = label
        self.isCLUEControlled = isCLUEControlled
        self.ssrc = ssrc
    }

    /// One of the bridge's CLUE encodings: sendonly, CLUE-controlled, labelled with its encoding ID (RFC 8848
    /// section 4.4.1; section 8's SIP INVITE 3 adds two of these).
    public static func clueEncoding(_ encoding: LocalEncoding) -> NewMediaSection {
        NewMediaSection(kind: encoding.kind, direction: .sendonly, label: encoding.label, isCLUEControlled: true,
                        ssrc: encoding.ssrc)
    }

    /// A CLUE-controlled section on which the bridge receives one of the peer's encodings (RFC 8848
    /// section 4.4.2).
    public static func clueReceiver(kind: MediaKind) -> NewMediaSection {
        NewMediaSection(kind: kind, direction: .recvonly, isCLUEControlled: true)
    }
}

/// What the bridge offered in one section, to read the answer against.
struct OfferedSection: Sendable, Hashable {
    var isDisabled: Bool
    var isCLUEControlled: Bool
    var isCLUEChannel: Bool
    var localLabel: String?
    var localSSRC: UInt32?
    var security: MediaSecurity?
    var codecs: [NegotiatedCodec]
    var headerExtensions: [ExtensionMap]
    var clueChannelMap: DataChannelMap?
}

/// An offer the bridge sent and whose answer it awaits (a re-INVITE, or the 200 to an INVITE without SDP).
public struct PendingOffer: Sendable, Hashable {
    /// The offer to send.
    public var description: SessionDescription
    /// The session the offer modifies; nil for an initial offer. If the peer refuses the offer (488, 491), this
    /// is still the session in force (RFC 3264 section 8: a failed exchange changes nothing).
    public var base: NegotiatedSession?
    var sections: [OfferedSection]

    /// An initial offer, for an INVITE that came without one (RFC 3261 section 13.2.1: the offer goes in the 200).
    ///
    /// Every section is DTLS-SRTP with ICE-lite credentials; the CLUE data channel, when `clueStreamID` is given,
    /// goes last and is the only member of the CLUE group (RFC 8848 section 4.5.1). BUNDLE is not offered: an
    /// initial BUNDLE offer needs a distinct port per section (RFC 8843), and the bridge has one.
    public static func initial(configuration: OfferAnswerConfiguration, sessionID: UInt64, sections: [NewMediaSection],
                               clueStreamID: UInt16? = nil) -> PendingOffer {
        var builder = OfferBuilder(configuration: configuration, base: nil)
        var media: [MediaDescription] = []
        var plans: [OfferedSection] = []
        for request in sections {
            let (section, plan) = builder.newSection(request, bundled: false)
            media.append(section)
            plans.append(plan)
        }
        var attributes: [Attribute] = [.iceLite]
        if let clueStreamID, configuration.clueEnabled {
            let (section, plan) = builder.clueChannelSection(streamID: clueStreamID)
            media.append(section)
            plans.append(plan)
            let clueMids = zip(media, plans).filter { $0.1.isCLUEControlled || $0.1.isCLUEChannel }
                .compactMap { $0.0.mid }
            attributes.append(.group(Group(semantics: .clue, mids: clueMids)))
        }
        let origin = Origin(sessionID: sessionID, sessionVersion: 1,
                            addressType: AddressType(address: configuration.mediaAddress),
                            address: configuration.mediaAddress)
        let description = SessionDescription(origin: origin,
                                             connection: ConnectionData(address: configuration.mediaAddress),
                                             attributes: attributes, media: media)
        return PendingOffer(description: description, base: nil, sections: plans)
    }
}

extension NegotiatedSession {
    /// The bridge's next offer for this session (a re-INVITE or UPDATE).
    ///
    /// Existing sections are offered as negotiated, with `a=setup:actpass` and the same fingerprint and ICE
    /// credentials, which keeps the DTLS association (RFC 8842 section 5.5); sections named in `removing` and
    /// sections already declined get port 0 (RFC 3264 section 8.2). New sections are appended (RFC 3264
    /// section 8.1), join the first BUNDLE group when there is one, and join the CLUE group when they are
    /// CLUE-controlled and CLUE is enabled. The `o=` version goes up by one.
    public func offer(adding newSections: [NewMediaSection] = [], removing mids: Set<String> = [],
                      configuration: OfferAnswerConfiguration) -> PendingOffer {
        var builder = OfferBuilder(configuration: configuration, base: self)
        var media: [MediaDescription] = []
        var plans: [OfferedSection] = []
        for item in self.media {
            let ours = local.media[item.index]
            let removed = item.mid.map(mids.contains) ?? false
            guard item.isAccepted && !removed else {
                var section = MediaDescription(kind: ours.kind, port: 0, proto: ours.proto,
                                               formats: [ours.formats.first ?? remote.media[item.index].formats.first
                                                    ?? "0"])
                if let mid = item.mid { section.attributes.append(.mid(mid)) }
                media.append(section)
                plans.append(OfferedSection(isDisabled: true, isCLUEControlled: false, isCLUEChannel: false,
                                            security: nil, codecs: [], headerExtensions: []))
                continue
            }
            var section = ours
            section.port = configuration.mediaPort
            section.attributes = section.attributes.map { attribute in
                if case .setup = attribute { return .setup(.actpass) }
                return attribute
            }
            if !item.codecs.isEmpty { section.offerAsNegotiated(item) }
            media.append(section)
            plans.append(OfferedSection(
                isDisabled: false, isCLUEControlled: item.isCLUEControlled,
                isCLUEChannel: clue?.mediaIndex == item.index, localLabel: item.localLabel,
                localSSRC: item.localSSRC, security: item.security, codecs: item.codecs,
                headerExtensions: item.headerExtensions, clueChannelMap: item.dataChannel?.clueChannel))
        }

        let bundleKept = bundleGroups.map { $0.filter { !mids.contains($0) } }.filter { !$0.isEmpty }
        var newMids: [String] = []
        var newCLUEMids: [String] = []
        for request in newSections {
            let (section, plan) = builder.newSection(request, bundled: !bundleKept.isEmpty)
            media.append(section)
            plans.append(plan)
            if let mid = section.mid {
                newMids.append(mid)
                if plan.isCLUEControlled { newCLUEMids.append(mid) }
            }
        }

        var attributes: [Attribute] = []
        if local.isICELite { attributes.append(.iceLite) }
        for (position, group) in bundleKept.enumerated() {
            let mids = position == 0 ? group + newMids : group
            attributes.append(.group(Group(semantics: .bundle, mids: mids)))
        }
        if let clue, !mids.contains(clue.mid) {
            let controlled = clue.controlledMids.filter { !mids.contains($0) } + newCLUEMids
            attributes.append(.group(Group(semantics: .clue, mids: [clue.mid] + controlled)))
        }
        var origin = local.origin
        origin.sessionVersion &+= 1
        let description = SessionDescription(origin: origin, connection: local.connection, attributes: attributes,
                                             media: media)
        return PendingOffer(description: description, base: self, sections: plans)
    }
}

extension MediaDescription {
    /// Replaces the codec and header extension lines with what was agreed, where the first of them stood: a
    /// section the bridge offered before listed more than the peer accepted.
    mutating func offerAsNegotiated(_ negotiated: NegotiatedMedia) {
        let isCodecLine: (Attribute) -> Bool = { attribute in
            switch attribute {
            case .rtpmap, .fmtp, .rtcpFeedback, .extmap: true
            default: false
            }
        }
        let position = attributes.firstIndex(where: isCodecLine) ?? attributes.endIndex
        let kept = attributes.enumerated().filter { !isCodecLine($0.element) }
        let before = kept.filter { $0.offset < position }.map(\.element)
        let after = kept.filter { $0.offset >= position }.map(\.element)
        attributes = before + negotiated.headerExtensions.map { .extmap($0) }
            + negotiated.codecs.flatMap(\.attributes) + after
        formats = negotiated.codecs.map { String($0.payloadType) }
    }
}

/// Builds new sections for the bridge's offers, reusing what the session already agreed (payload types, header
/// extension ids) so that bundled sections stay consistent (RFC 8843, RFC 8285 section 7).
struct OfferBuilder {
    let configuration: OfferAnswerConfiguration
    let base: NegotiatedSession?
    var usedMids: Set<String> = []
    var usedPayloadTypes: Set<UInt8> = []
    var usedExtensionIDs: Set<UInt16> = []
    var nextMid = 0
    /// Codecs already chosen for a media type in this offer: every new section of that type gets the same.
    var chosenCodecs: [MediaKind: [NegotiatedCodec]] = [:]

    init(configuration: OfferAnswerConfiguration, base: NegotiatedSession?) {
        self.configuration = configuration
        self.base = base
        if let base {
            for section in base.local.media + base.remote.media {
                if let mid = section.mid { usedMids.insert(mid) }
                usedPayloadTypes.formUnion(section.formats.compactMap { UInt8($0) })
                usedExtensionIDs.formUnion(section.extensionMaps.map(\.id))
            }
            nextMid = base.media.count
        }
    }

    mutating func freshMid() -> String {
        while usedMids.contains(String(nextMid)) { nextMid += 1 }
        let mid = String(nextMid)
        usedMids.insert(mid)
        return mid
    }

    /// A dynamic payload type nobody uses yet: 96-127, then 35-63 (RFC 5761 section 4 rules out 64-95 under
    /// rtcp-mux).
    mutating func freshPayloadType() -> UInt8? {
        let candidates = Array(UInt8(96)...127) + Array(UInt8(35)...63)
        guard let payloadType = candidates.first(where: { !usedPayloadTypes.contains($0) }) else { return nil }
        usedPayloadTypes.insert(payloadType)
        return payloadType
    }

    /// The proto of the session's DTLS-SRTP sections, so new sections look like the old ones.
    var rtpProto: TransportProtocol {
        base?.media.first { $0.isAccepted && $0.security == .dtlsSRTP }?.proto ?? .udpTLSRTPSAVPF
    }

    var usesICE: Bool { base.map { $0.local.media.contains { $0.iceUsernameFragment != nil } } ?? true }

    /// The codecs for a new section: those the session already agreed for this media type (same payload types
    /// and parameters), else the bridge's own in its order of preference.
    mutating func codecs(for kind: MediaKind) -> [NegotiatedCodec] {
        if let agreed = base?.media.first(where: { $0.isAccepted && $0.kind == kind && !$0.codecs.isEmpty }) {
            return agreed.codecs
        }
        if let chosen = chosenCodecs[kind] { return chosen }
        let chosen = chooseCodecs(for: kind)
        chosenCodecs[kind] = chosen
        return chosen
    }

    mutating func chooseCodecs(for kind: MediaKind) -> [NegotiatedCodec] {
        var codecs: [NegotiatedCodec] = []
        let feedback: [FeedbackMechanism] = [.nack, .pictureLossIndication, .fullIntraRequest]
            + (configuration.receiverEstimatedMaximumBitrate ? [.receiverEstimatedMaximumBitrate] : [])
        for codec in configuration.codecs where codec.kind == kind && codec != .telephoneEvent {
            let payloadType: UInt8
            if let fixed = codec.staticPayloadType {
                payloadType = fixed
                usedPayloadTypes.insert(fixed)
            } else if let fresh = freshPayloadType() {
                payloadType = fresh
            } else {
                continue
            }
            var negotiated = NegotiatedCodec(payloadType: payloadType, codec: codec,
                                             clockRate: codec.clockRate ?? 8_000,
                                             channels: codec.channels, feedback: kind == .video ? feedback : [])
            if codec == .h264 {
                // Constrained Baseline, which every H.264 receiver decodes, at the bridge's level.
                let id = H264ProfileLevelID(profileIDC: 0x42, profileIOP: 0xE0, levelIDC: 0)
                    .with(level: configuration.h264MaxLevel)
                negotiated.h264 = H264Parameters(profile: .constrainedBaseline, profileLevelID: id,
                                                 receiveLevel: configuration.h264MaxLevel,
                                                 sendLevel: configuration.h264MaxLevel, levelAsymmetryAllowed: true)
                negotiated.formatParameters = H264FormatParameters.text(profileLevelID: id, levelAsymmetryAllowed: true)
            }
            codecs.append(negotiated)
        }
        if kind == .audio && configuration.codecs.contains(.telephoneEvent) {
            var rates: [UInt32] = []
            for codec in codecs where !rates.contains(codec.clockRate) { rates.append(codec.clockRate) }
            for rate in rates {
                guard let payloadType = freshPayloadType() else { break }
                codecs.append(NegotiatedCodec(payloadType: payloadType, codec: .telephoneEvent, clockRate: rate,
                                              formatParameters: "0-15"))
            }
        }
        return codecs
    }

    /// The header extensions for a new section, under the ids the session already uses for them.
    mutating func extensions(for kind: MediaKind, bundled: Bool) -> [ExtensionMap] {
        var uris = [ExtensionMap.captureIDURI]
        if kind == .audio { uris.append(ExtensionMap.audioLevelURI) }
        if bundled { uris.append(ExtensionMap.midURI) }
        var maps: [ExtensionMap] = []
        let agreed = base?.media.flatMap(\.headerExtensions) ?? []
        for uri in uris {
            if let existing = agreed.first(where: { $0.uri == uri }) {
                maps.append(ExtensionMap(id: existing.id, uri: uri))
            } else if let id = (UInt16(1)...14).first(where: { !usedExtensionIDs.contains($0) }) {
                usedExtensionIDs.insert(id)
                maps.append(ExtensionMap(id: id, uri: uri))
            }
        }
        return maps
    }

    func transportAttributes() -> [Attribute] {
        var attributes: [Attribute] = []
        if usesICE {
            attributes += [.iceUfrag(configuration.ice.usernameFragment), .icePwd(configuration.ice.password),
                           .candidate(.host(address: configuration.mediaAddress, port: configuration.mediaPort)),
                           .endOfCandidates]
        }
        // RFC 8842 sections 5.2 and 5.5: actpass in every offer.
        attributes += [.fingerprint(configuration.fingerprint), .setup(.actpass)]
        return attributes
    }

    mutating func newSection(_ request: NewMediaSection, bundled: Bool) -> (MediaDescription, OfferedSection) {
        let mid = freshMid()
        let codecs = codecs(for: request.kind)
        let extensions = extensions(for: request.kind, bundled: bundled)
        var attributes: [Attribute] = [.mid(mid), .direction(request.direction)]
        if let label = request.label { attributes.append(.label(label)) }
        attributes += transportAttributes()
        attributes.append(.rtcpMux)
        attributes += extensions.map { .extmap($0) }
        for codec in codecs { attributes += codec.attributes }
        if let ssrc = request.ssrc {
            attributes.append(.ssrc(SSRCAttribute(ssrc: ssrc, name: "cname", value: configuration.cname)))
        }
        let section = MediaDescription(kind: request.kind, port: configuration.mediaPort, proto: rtpProto,
                                       formats: codecs.map { String($0.payloadType) }, attributes: attributes)
        let plan = OfferedSection(isDisabled: false, isCLUEControlled: request.isCLUEControlled, isCLUEChannel: false,
                                  localLabel: request.label, localSSRC: request.ssrc, security: .dtlsSRTP,
                                  codecs: codecs, headerExtensions: extensions)
        return (section, plan)
    }

    /// The CLUE data channel (RFC 8850 section 3.3): UDP/DTLS/SCTP webrtc-datachannel, subprotocol CLUE, ordered
    /// and reliable.
    mutating func clueChannelSection(streamID: UInt16) -> (MediaDescription, OfferedSection) {
        let mid = freshMid()
        let map = DataChannelMap(streamID: streamID, ordered: true, subprotocol: "CLUE")
        let attributes: [Attribute] = [.mid(mid)] + transportAttributes()
            + [.sctpPort(configuration.sctpPort), .maxMessageSize(configuration.maxMessageSize), .dcmap(map)]
        let section = MediaDescription(kind: .application, port: configuration.mediaPort, proto: .udpDTLSSCTP,
                                       formats: ["webrtc-datachannel"], attributes: attributes)
        let plan = OfferedSection(isDisabled: false, isCLUEControlled: false, isCLUEChannel: true, security: .dtlsSCTP,
                                  codecs: [], headerExtensions: [], clueChannelMap: map)
        return (section, plan)
    }
}

extension PendingOffer {
    /// Reads the peer's answer to this offer and returns the session it establishes.
    public func applying(answer: SessionDescription) throws(AnswerRejection) -> NegotiatedSession {
        guard answer.media.count == description.media.count else {
            throw .mediaCountMismatch(offered: description.media.count, answered: answer.media.count)
        }
        for group in answer.groups where group.semantics == .bundle || group.semantics == .clue {
            for mid in group.mids where answer.mediaIndex(mid: mid) == nil {
                throw .unknownGroupMember(semantics: group.semantics, mid: mid)
            }
        }
        let view = DescriptionView(answer)
        let answerCLUEMids = Set(answer.groups(.clue).first?.mids ?? [])
        var media: [NegotiatedMedia] = []
        for index in description.media.indices {
            media.append(try negotiate(index, view: view, answerCLUEMids: answerCLUEMids))
        }

        var bundleGroups: [[String]] = []
        for group in answer.groups(.bundle) {
            let mids = group.mids.filter { mid in media.contains { $0.mid == mid && $0.isAccepted } }
            guard let tag = mids.first.flatMap({ mid in media.firstIndex { $0.mid == mid } }) else { continue }
            bundleGroups.append(mids)
            for mid in mids.dropFirst() {
                if let index = media.firstIndex(where: { $0.mid == mid }) { media[index].transportIndex = tag }
            }
        }

        var clue: CLUEChannel?
        if let channel = sections.firstIndex(where: \.isCLUEChannel), media[channel].isAccepted,
           let mid = media[channel].mid, answerCLUEMids.contains(mid),
           let map = media[channel].dataChannel?.clueChannel {
            let controlled = media.filter { $0.isCLUEControlled }.compactMap(\.mid)
            clue = CLUEChannel(mid: mid, mediaIndex: channel, streamID: map.streamID, controlledMids: controlled)
        } else {
            for index in media.indices { media[index].isCLUEControlled = false }
        }
        return NegotiatedSession(local: description, remote: answer, media: media, bundleGroups: bundleGroups,
                                 clue: clue, remoteIsICELite: answer.isICELite, localRole: .offerer)
    }

    func negotiate(_ index: Int, view: DescriptionView, answerCLUEMids: Set<String>)
        throws(AnswerRejection) -> NegotiatedMedia {
        let offered = description.media[index]
        let answered = view.media[index]
        let plan = sections[index]
        guard answered.kind == offered.kind else { throw .mediaKindMismatch(index: index) }
        guard answered.proto == offered.proto || !view.isActive(index) else { throw .transportMismatch(index: index) }
        guard !plan.isDisabled, view.isActive(index) else {
            return NegotiatedMedia(index: index, mid: offered.mid, kind: offered.kind, proto: offered.proto,
                                   state: .declined(plan.isDisabled ? .disabledByOfferer : .rejectedByPeer),
                                   remoteLabel: answered.label, transportIndex: index, remoteSSRCs: answered.ssrcs)
        }

        var fingerprints: [Fingerprint] = []
        var role: DTLSRole?
        if plan.security == .dtlsSRTP || plan.security == .dtlsSCTP {
            fingerprints = view.fingerprints(index).filter(\.hashFunction.isAcceptable)
            guard !fingerprints.isEmpty else { throw .missingFingerprint(index: index) }
            switch view.setup(index) {
            case .active, nil: role = .server
            case .passive: role = .client
            case let other?: throw .invalidSetup(index: index, other)
            }
        }
        let rtcpMux = view.rtcpMux(index)
        let peer = view.peerTransport(index, fingerprints: fingerprints, localDTLSRole: role, rtcpMux: rtcpMux)
        var result = NegotiatedMedia(
            index: index, mid: offered.mid, kind: offered.kind, proto: offered.proto, state: .accepted,
            security: plan.security,
            isCLUEControlled: plan.isCLUEControlled && (offered.mid.map(answerCLUEMids.contains) ?? false),
            direction: .sendrecv, remoteLabel: answered.label, localLabel: plan.localLabel, peer: peer,
            transportIndex: index, rtcpMux: rtcpMux, remoteSSRCs: answered.ssrcs, localSSRC: plan.localSSRC)

        if plan.isCLUEChannel {
            let maps = answered.dataChannelMaps.filter { $0.isCLUE && $0.streamID == plan.clueChannelMap?.streamID }
            if let map = maps.first {
                guard map.isReliable, map.isOrdered else { throw .clueChannelChanged(streamID: map.streamID) }
            }
            result.dataChannel = DataChannelParameters(
                remoteSCTPPort: answered.sctpPort ?? 5000, remoteMaxMessageSize: answered.maxMessageSize ?? 65_536,
                localSCTPPort: offered.sctpPort ?? 5000, localMaxMessageSize: offered.maxMessageSize ?? 65_536,
                clueChannel: maps.isEmpty ? nil : plan.clueChannelMap)
            return result
        }

        let offeredDirection = description.direction(of: offered)
        let answeredDirection = view.description.direction(of: answered)
        guard (!answeredDirection.sends || offeredDirection.receives)
                && (!answeredDirection.receives || offeredDirection.sends) else {
            throw .incompatibleDirection(index: index, offered: offeredDirection, answered: answeredDirection)
        }
        result.direction = Direction(sends: offeredDirection.sends && answeredDirection.receives,
                                     receives: offeredDirection.receives && answeredDirection.sends)
        result.codecs = codecs(plan.codecs, answered: answered)
        guard !result.codecs.isEmpty else { throw .noCommonCodec(index: index) }
        let answeredMaps = view.extensionMaps(index)
        result.headerExtensions = plan.headerExtensions.filter { ours in
            answeredMaps.contains { $0.id == ours.id && $0.uri == ours.uri }
        }
        return result
    }

    /// The offered codecs the answer kept, by payload type. For H.264 the answer must keep packetization-mode and
    /// profile (RFC 6184 section 8.2.2); its level is what the peer receives.
    func codecs(_ offered: [NegotiatedCodec], answered: MediaDescription) -> [NegotiatedCodec] {
        offered.compactMap { codec -> NegotiatedCodec? in
            guard answered.formats.contains(String(codec.payloadType)) else { return nil }
            guard codec.codec == .h264, let ours = codec.h264 else { return codec }
            guard let theirs = H264FormatParameters(answered.formatParameters(for: String(codec.payloadType))),
                  theirs.packetizationMode == 1, theirs.profileLevelID.profile == ours.profile,
                  let answeredLevel = theirs.profileLevelID.level else { return nil }
            var kept = codec
            let asymmetric = ours.levelAsymmetryAllowed && theirs.levelAsymmetryAllowed
            let common = min(answeredLevel, ours.receiveLevel)
            kept.h264 = H264Parameters(profile: ours.profile, profileLevelID: ours.profileLevelID,
                                       receiveLevel: asymmetric ? ours.receiveLevel : common,
                                       sendLevel: asymmetric ? answeredLevel : common,
                                       levelAsymmetryAllowed: asymmetric)
            return kept
        }
    }
}
