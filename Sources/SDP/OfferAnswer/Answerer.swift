/// SDP offer/answer (RFC 3264) for the bridge, which is always ICE-lite and owns one UDP media port.
public enum OfferAnswer {
    /// Answers an offer as the bridge: an initial INVITE's offer, or a re-INVITE's when `previous` is the
    /// session it modifies.
    ///
    /// Every media section is answered in order (RFC 3264 section 6): accepted on the bridge's single port, or
    /// declined with port 0, the offered proto and one offered format. The offer is refused as a whole only when
    /// it breaks the security policy for CLUE (RFC 8848 section 11: CLUE-controlled media and the CLUE channel only
    /// over DTLS), when its CLUE or BUNDLE groups are malformed, or when nothing at all is acceptable.
    ///
    /// - Parameters:
    ///   - sessionID: the `o=` session id for a new session (ignored when `previous` is given: the id stays and
    ///     the version goes up by one, RFC 3264 section 8).
    ///   - localEncodings: the bridge's CLUE encodings that may answer the peer's recvonly CLUE-controlled
    ///     sections (RFC 8848 section 4.5.2.2); a section without one is answered inactive.
    ///   - receivingRemoteEncodings: the labels of the peer's sendonly CLUE encodings the bridge receives; the
    ///     others are answered inactive. nil receives them all: nothing flows on them before a CLUE configure
    ///     anyway (RFC 8848 section 4.4.1).
    public static func answer(to offer: SessionDescription, configuration: OfferAnswerConfiguration, sessionID: UInt64,
                              previous: NegotiatedSession? = nil, localEncodings: [LocalEncoding] = [],
                              receivingRemoteEncodings: Set<String>? = nil)
        throws(OfferRejection) -> NegotiatedSession {
        if let previous, previous.localRole == .answerer, previous.remote == offer {
            // The same offer again (RFC 3264 section 8: same version, nothing changed): the same answer.
            return previous
        }
        var answerer = Answerer(offer: offer, configuration: configuration, previous: previous,
                                localEncodings: localEncodings, receiving: receivingRemoteEncodings)
        return try answerer.answer(sessionID: sessionID)
    }
}

/// One section of the answer being built.
struct SectionAnswer {
    var section: MediaDescription
    var negotiated: NegotiatedMedia
}

struct Answerer {
    let offer: SessionDescription
    let view: DescriptionView
    let configuration: OfferAnswerConfiguration
    let previous: NegotiatedSession?
    var availableEncodings: [LocalEncoding]
    let receiving: Set<String>?
    /// The labels the bridge's sections had after the previous exchange: a section keeps its encoding.
    var reservedLabels: [Int: String] = [:]

    var clueGroup: Group?
    var clueChannelIndex: Int?
    var clueControlled: Set<Int> = []
    var clueChannelMap: DataChannelMap?
    var clueNegotiated = false

    init(offer: SessionDescription, configuration: OfferAnswerConfiguration, previous: NegotiatedSession?,
         localEncodings: [LocalEncoding], receiving: Set<String>?) {
        self.receiving = receiving
        self.offer = offer
        view = DescriptionView(offer)
        self.configuration = configuration
        self.previous = previous
        availableEncodings = localEncodings
        if let previous {
            for item in previous.media where item.index < offer.media.count {
                if let label = item.localLabel { reservedLabels[item.index] = label }
            }
        }
    }

    var localAddressType: AddressType { AddressType(address: configuration.mediaAddress) }

    mutating func answer(sessionID: UInt64) throws(OfferRejection) -> NegotiatedSession {
        guard !offer.media.isEmpty else { throw .noMedia }
        if let previous, offer.media.count < previous.media.count {
            throw .fewerMediaSections(offered: offer.media.count, required: previous.media.count)
        }
        try validateMids()
        try validateGroups()
        try validateDataChannelMaps()
        try checkCLUE()

        var answers: [SectionAnswer?] = Array(repeating: nil, count: offer.media.count)
        // The CLUE channel first: whether CLUE is negotiated decides the CLUE-controlled sections.
        if let channel = clueChannelIndex {
            let answer = answerSection(channel)
            clueNegotiated = answer.negotiated.isAccepted
            answers[channel] = answer
        }
        for index in offer.media.indices where answers[index] == nil {
            answers[index] = answerSection(index)
        }
        var sections = answers.compactMap { $0 }

        guard sections.contains(where: { $0.negotiated.isAccepted }) else {
            throw .noAcceptableMedia(sections.map {
                OfferRejection.DeclinedSection(index: $0.negotiated.index, mid: $0.negotiated.mid,
                                               kind: $0.negotiated.kind,
                                               reason: $0.negotiated.declineReason ?? .disabledByOfferer)
            })
        }
        return assemble(&sections, sessionID: sessionID)
    }

    // MARK: Whole-offer checks

    /// RFC 5888 section 4: a mid identifies one section.
    func validateMids() throws(OfferRejection) {
        var seen: Set<String> = []
        for section in offer.media {
            guard let mid = section.mid else { continue }
            guard seen.insert(mid).inserted else { throw .duplicateMid(mid) }
        }
    }

    func validateGroups() throws(OfferRejection) {
        for group in offer.groups where group.semantics == .bundle || group.semantics == .clue {
            for mid in group.mids where offer.mediaIndex(mid: mid) == nil {
                throw .unknownGroupMember(semantics: group.semantics, mid: mid)
            }
        }
        var bundled: Set<String> = []
        for group in offer.groups(.bundle) {
            for mid in group.mids {
                guard bundled.insert(mid).inserted else { throw .midInSeveralBundleGroups(mid) }
            }
        }
        // RFC 8848 section 4.1: one CLUE group, unless a future specification says how to use more.
        guard offer.groups(.clue).count <= 1 else { throw .multipleCLUEGroups }
    }

    /// RFC 8864 section 6.2: "If an SDP offer contains both of these parameters, then the receiver of such an SDP
    /// offer MUST reject the SDP offer."
    func validateDataChannelMaps() throws(OfferRejection) {
        for index in offer.media.indices where view.isActive(index) {
            for map in offer.media[index].dataChannelMaps where map.maxRetransmits != nil && map.maxTime != nil {
                throw .conflictingReliability(streamID: map.streamID)
            }
        }
    }

    /// The CLUE group: exactly one data channel (RFC 8848 section 4.2); its members only over DTLS (section 11),
    /// checked whether or not the room uses CLUE, because section 4.3 makes the restrictions on CLUE-controlled
    /// media apply whatever happens to the CLUE channel; and the CLUE channel's dcmap (RFC 8850 section 3.3.2).
    mutating func checkCLUE() throws(OfferRejection) {
        guard let group = offer.groups(.clue).first else { return }
        clueGroup = group
        var members: [Int] = []
        for mid in group.mids {
            if let index = offer.mediaIndex(mid: mid), !members.contains(index) { members.append(index) }
        }
        let channels = members.filter { DescriptionView.isDataChannel(offer.media[$0]) }
        guard channels.count == 1, let channel = channels.first else {
            throw .clueGroupDataChannels(count: channels.count)
        }
        clueChannelIndex = channel
        clueControlled = Set(members).subtracting([channel])

        for index in members where view.isActive(index) {
            let section = offer.media[index]
            let mid = section.mid ?? ""
            guard section.cryptoAttributes.isEmpty else { throw .sdesOnCLUEMedia(index: index, mid: mid) }
            if index == channel {
                guard section.proto.isDTLSSCTP else {
                    throw .clueDataChannelNotDTLS(index: index, mid: mid, proto: section.proto)
                }
            } else if !isDTLSSRTP(index) {
                throw .clueMediaNotDTLSSRTP(index: index, mid: mid, proto: section.proto)
            }
        }

        guard configuration.clueEnabled, view.isActive(channel) else { return }
        let section = offer.media[channel]
        let maps = section.dataChannelMaps.filter(\.isCLUE)
        guard let map = maps.first else { throw .missingCLUEChannelMap(mid: section.mid ?? "") }
        guard maps.count == 1 else { throw .multipleCLUEChannelMaps(mid: section.mid ?? "") }
        guard map.isReliable else { throw .clueChannelPartiallyReliable(streamID: map.streamID) }
        guard map.isOrdered else { throw .clueChannelUnordered(streamID: map.streamID) }
        clueChannelMap = map
    }

    /// DTLS-SRTP by proto, or RTP/SAVP(F) keyed by a fingerprint and not by SDES (the pre-RFC 5764 spelling some
    /// endpoints still use).
    func isDTLSSRTP(_ index: Int) -> Bool {
        let section = offer.media[index]
        guard section.cryptoAttributes.isEmpty else { return false }
        return section.proto.isDTLSSRTP || (section.proto.isSRTPWithoutKeying && !view.fingerprints(index).isEmpty)
    }

    // MARK: Sections

    mutating func answerSection(_ index: Int) -> SectionAnswer {
        let section = offer.media[index]
        guard view.isActive(index) else { return declined(index, .disabledByOfferer) }
        let result: Result<SectionAnswer, DeclineReason>
        switch section.kind {
        case .audio, .video:
            result = section.proto.isRTP ? answerRTP(index) : .failure(.unsupportedTransport(section.proto))
        case .application where DescriptionView.isDataChannel(section):
            result = answerDataChannel(index)
        default:
            result = .failure(.unsupportedMedia(section.kind))
        }
        switch result {
        case .success(let answer): return answer
        case .failure(let reason): return declined(index, reason)
        }
    }

    /// The transport checks shared by RTP and data channel sections.
    struct Transport {
        var peer: PeerTransport
        var usesICE: Bool
        var dtlsRole: DTLSRole?
    }

    func transport(_ index: Int, dtls: Bool, rtcpMux: Bool) -> Result<Transport, DeclineReason> {
        if let connection = view.connection(index) {
            guard connection.networkType == .internet else {
                return .failure(.unsupportedAddress(connection.networkType.description))
            }
            guard connection.addressType == .ipv4 || connection.addressType == .ipv6 else {
                return .failure(.unsupportedAddress(connection.addressType.description))
            }
        }
        let ufrag = view.iceUsernameFragment(index)
        let password = view.icePassword(index)
        guard (ufrag == nil) == (password == nil) else { return .failure(.incompleteICECredentials) }
        let usesICE = ufrag != nil
        if view.connection(index) == nil && view.candidates(index).isEmpty { return .failure(.missingConnection) }

        var fingerprints: [Fingerprint] = []
        var role: DTLSRole?
        if dtls {
            fingerprints = view.fingerprints(index).filter(\.hashFunction.isAcceptable)
            guard !fingerprints.isEmpty else { return .failure(.noUsableFingerprint) }
            let setup = view.setup(index)
            guard setup != .holdconn else { return .failure(.holdconnSetup) }
            role = dtlsRole(index, offered: setup, fingerprints: fingerprints)
        }
        let peer = view.peerTransport(index, fingerprints: fingerprints, localDTLSRole: role, rtcpMux: rtcpMux)
        return .success(Transport(peer: peer, usesICE: usesICE, dtlsRole: role))
    }

    /// The bridge's DTLS role.
    ///
    /// The bridge prefers to be the DTLS server: it answers `a=setup:passive` to actpass, to active, and to an
    /// offer without `a=setup` (whether that is read as active or as actpass, passive fits). Being ICE-lite it
    /// never sends connectivity checks and only learns where the peer is from the peer's checks, and RFC 8842
    /// section 6 has the ICE checks run before the handshake; as server it simply waits for the ClientHello that
    /// follows the peer's successful check, instead of guessing an address for a ClientHello of its own (the
    /// parallelism that makes RFC 5763 recommend `active` does not exist for a lite agent). Only a legacy offer of
    /// `passive` (which RFC 8842 section 5.3 still requires answerers to handle) makes the bridge the client. On a
    /// re-offer that keeps the DTLS association (same fingerprints, actpass), the previous roles stay (RFC 8842
    /// section 5.3).
    func dtlsRole(_ index: Int, offered: SetupRole?, fingerprints: [Fingerprint]) -> DTLSRole {
        switch offered {
        case .passive: return .client
        case .active: return .server
        case .actpass, .holdconn, nil:
            if let previous, let transportIndex = previous.media.first(where: { $0.index == index })?.transportIndex,
               transportIndex < previous.media.count, let peer = previous.media[transportIndex].peer,
               let role = peer.localDTLSRole, peer.fingerprints == fingerprints {
                return role
            }
            return .server
        }
    }

    mutating func answerRTP(_ index: Int) -> Result<SectionAnswer, DeclineReason> {
        let section = offer.media[index]
        // A section that carried one of the bridge's encodings stays CLUE-controlled when a re-offer leaves it out
        // of the CLUE group (RFC 8848 wants it in): its label is what the participant's configures name.
        let controlled = clueControlled.contains(index) || (clueNegotiated && reservedLabels[index] != nil)
        if controlled && !clueNegotiated {
            return .failure(configuration.clueEnabled ? .clueNotNegotiated : .clueDisabled)
        }
        guard section.cryptoAttributes.isEmpty else { return .failure(.sdesNotSupported) }
        let security: MediaSecurity
        if isDTLSSRTP(index) {
            security = .dtlsSRTP
        } else if section.proto.isPlainRTP {
            guard configuration.allowPlainRTP else { return .failure(.plainRTPNotAllowed) }
            security = .plainRTP
        } else {
            return .failure(.noKeying)
        }
        let muxOffered = view.rtcpMux(index)
        let transport: Transport
        switch self.transport(index, dtls: security == .dtlsSRTP, rtcpMux: muxOffered) {
        case .success(let value): transport = value
        case .failure(let reason): return .failure(reason)
        }
        // One port, and no RTCP component to offer: DTLS-SRTP and ICE need RTCP on the RTP port (RFC 5761).
        if (security == .dtlsSRTP || transport.usesICE) && !muxOffered { return .failure(.rtcpMuxRequired) }

        let codecs = CodecNegotiation(configuration: configuration).answer(section)
        guard !codecs.isEmpty else { return .failure(.noCommonCodec) }

        let offered = offer.direction(of: section)
        var direction = offered.reversed
        var localLabel: String?
        var localSSRC: UInt32?
        if controlled {
            // RFC 8848 section 4.5.2.2: the peer's encodings (sendonly) are received, its receivers (recvonly) get
            // one of the bridge's encodings while there are any, and anything else is inactive (section 4.4.1:
            // CLUE-controlled sections are sendonly or recvonly).
            switch offered {
            case .sendonly:
                let wanted = receiving.map { labels in section.label.map(labels.contains) ?? false } ?? true
                direction = wanted ? .recvonly : .inactive
            case .recvonly:
                if let encoding = takeEncoding(kind: section.kind, index: index) {
                    direction = .sendonly
                    localLabel = encoding.label
                    localSSRC = encoding.ssrc
                } else {
                    direction = .inactive
                }
            case .sendrecv, .inactive: direction = .inactive
            }
        } else if let base = configuration.localSSRCBase, direction == .sendrecv || direction == .sendonly {
            localSSRC = previous?.media.first { $0.index == index }?.localSSRC ?? base &+ UInt32(index)
        }

        let bundled = view.bundleTag[index] != nil
        let extensions = negotiateExtensions(index, kind: section.kind, bundled: bundled)

        var attributes: [Attribute] = []
        if let mid = section.mid { attributes.append(.mid(mid)) }
        attributes.append(.direction(direction))
        if let localLabel { attributes.append(.label(localLabel)) }
        attributes += transportAttributes(transport)
        if muxOffered {
            attributes.append(.rtcpMux)
        } else {
            // Plain RTP without rtcp-mux: RFC 3605 points the peer's RTCP at the one port too; the bridge tells RTP
            // from RTCP by payload type (RFC 5761 section 4).
            attributes.append(.rtcp(RTCPAddress(port: configuration.mediaPort)))
        }
        attributes += extensions.map { .extmap($0) }
        for codec in codecs { attributes += codec.attributes }
        if let localSSRC {
            attributes.append(.ssrc(SSRCAttribute(ssrc: localSSRC, name: "cname", value: configuration.cname)))
        }

        let answerSection = MediaDescription(kind: section.kind, port: configuration.mediaPort, proto: section.proto,
                                             formats: codecs.map { String($0.payloadType) }, attributes: attributes)
        let negotiated = NegotiatedMedia(
            index: index, mid: section.mid, kind: section.kind, proto: section.proto, state: .accepted,
            security: security, isCLUEControlled: controlled, direction: direction, codecs: codecs,
            headerExtensions: extensions, remoteLabel: section.label, localLabel: localLabel, peer: transport.peer,
            transportIndex: index, rtcpMux: muxOffered, remoteSSRCs: section.ssrcs, localSSRC: localSSRC)
        return .success(SectionAnswer(section: answerSection, negotiated: negotiated))
    }

    mutating func answerDataChannel(_ index: Int) -> Result<SectionAnswer, DeclineReason> {
        let section = offer.media[index]
        guard index == clueChannelIndex else { return .failure(.dataChannelNotUsed) }
        guard configuration.clueEnabled, let clueMap = clueChannelMap else { return .failure(.clueDisabled) }
        switch section.proto {
        case .udpDTLSSCTP: break
        case .tcpDTLSSCTP: return .failure(.tcpNotSupported)
        default: return .failure(.unsupportedTransport(section.proto))
        }
        guard let remoteSCTPPort = section.sctpPort, remoteSCTPPort != 0 else { return .failure(.noSCTPAssociation) }
        let transport: Transport
        switch self.transport(index, dtls: true, rtcpMux: true) {
        case .success(let value): transport = value
        case .failure(let reason): return .failure(reason)
        }
        // RFC 8864 section 6.4: the same stream id, and (absent) max-retr and max-time; RFC 8850 section 3.3.2:
        // subprotocol CLUE, ordered.
        let answeredMap = DataChannelMap(streamID: clueMap.streamID, ordered: true, subprotocol: "CLUE",
                                         label: clueMap.label)
        var attributes: [Attribute] = []
        if let mid = section.mid { attributes.append(.mid(mid)) }
        attributes += transportAttributes(transport)
        attributes += [.sctpPort(configuration.sctpPort), .maxMessageSize(configuration.maxMessageSize),
                       .dcmap(answeredMap)]
        let answerSection = MediaDescription(kind: section.kind, port: configuration.mediaPort, proto: section.proto,
                                             formats: ["webrtc-datachannel"], attributes: attributes)
        let parameters = DataChannelParameters(
            remoteSCTPPort: remoteSCTPPort, remoteMaxMessageSize: section.maxMessageSize ?? 65_536,
            localSCTPPort: configuration.sctpPort, localMaxMessageSize: configuration.maxMessageSize,
            clueChannel: answeredMap)
        let negotiated = NegotiatedMedia(
            index: index, mid: section.mid, kind: section.kind, proto: section.proto, state: .accepted,
            security: .dtlsSCTP, direction: .sendrecv, remoteLabel: section.label, peer: transport.peer,
            transportIndex: index, rtcpMux: true, dataChannel: parameters)
        return .success(SectionAnswer(section: answerSection, negotiated: negotiated))
    }

    /// ICE-lite credentials with the one host candidate, then the DTLS fingerprint and role.
    func transportAttributes(_ transport: Transport) -> [Attribute] {
        var attributes: [Attribute] = []
        if transport.usesICE {
            attributes += [.iceUfrag(configuration.ice.usernameFragment), .icePwd(configuration.ice.password),
                           .candidate(.host(address: configuration.mediaAddress, port: configuration.mediaPort)),
                           .endOfCandidates]
        }
        if let role = transport.dtlsRole {
            attributes += [.fingerprint(configuration.fingerprint), .setup(role.setup)]
        }
        return attributes
    }

    /// The bridge encoding for a recvonly CLUE-controlled section: the label it had before, else the first free
    /// one of the same media type.
    mutating func takeEncoding(kind: MediaKind, index: Int) -> LocalEncoding? {
        if let label = reservedLabels[index],
           let position = availableEncodings.firstIndex(where: { $0.label == label && $0.kind == kind }) {
            return availableEncodings.remove(at: position)
        }
        let reserved = Set(reservedLabels.filter { $0.key != index }.values)
        guard let position = availableEncodings.firstIndex(where: { $0.kind == kind && !reserved.contains($0.label) })
        else { return nil }
        return availableEncodings.remove(at: position)
    }

    /// RFC 8285: the extensions the bridge uses, under the offerer's ids, directions mirrored (section 7).
    func negotiateExtensions(_ index: Int, kind: MediaKind, bundled: Bool) -> [ExtensionMap] {
        var supported = [ExtensionMap.captureIDURI]
        if kind == .audio { supported.append(ExtensionMap.audioLevelURI) }
        if bundled { supported.append(ExtensionMap.midURI) }
        var accepted: [ExtensionMap] = []
        for map in view.extensionMaps(index) where supported.contains(map.uri) {
            // 1-14 one-byte, 16-255 two-byte (RFC 8285 section 4); 15 is reserved; 4096-4351 only negotiate.
            guard (1...255).contains(map.id), map.id != 15,
                  !accepted.contains(where: { $0.id == map.id || $0.uri == map.uri }) else { continue }
            accepted.append(ExtensionMap(id: map.id, direction: map.direction?.reversed, uri: map.uri))
        }
        return accepted
    }

    /// Port 0, the offered proto and the first offered format (RFC 3264 section 6). Peers that validate every
    /// section of an answer (aiortc checks ICE credentials, the DTLS role and rtcp-mux even on rejected ones) also
    /// get the bridge's transport attributes when the offered section had them.
    func declined(_ index: Int, _ reason: DeclineReason) -> SectionAnswer {
        let section = offer.media[index]
        let format = section.formats.first ?? (DescriptionView.isDataChannel(section) ? "webrtc-datachannel" : "0")
        var attributes: [Attribute] = []
        if let mid = section.mid { attributes.append(.mid(mid)) }
        if let map = section.rtpMap(for: format) { attributes.append(.rtpmap(map)) }
        if view.iceUsernameFragment(index) != nil {
            attributes += [.iceUfrag(configuration.ice.usernameFragment), .icePwd(configuration.ice.password)]
        }
        if section.proto.isDTLSSRTP || section.proto.isDTLSSCTP
            || (section.proto.isSRTPWithoutKeying && !view.fingerprints(index).isEmpty) {
            let role: DTLSRole = view.setup(index) == .passive ? .client : .server
            attributes += [.fingerprint(configuration.fingerprint), .setup(role.setup)]
        }
        if view.rtcpMux(index) && section.proto.isRTP { attributes.append(.rtcpMux) }
        let answer = MediaDescription(kind: section.kind, port: 0, proto: section.proto, formats: [format],
                                      attributes: attributes)
        let negotiated = NegotiatedMedia(index: index, mid: section.mid, kind: section.kind, proto: section.proto,
                                         state: .declined(reason), remoteLabel: section.label, transportIndex: index,
                                         remoteSSRCs: section.ssrcs)
        return SectionAnswer(section: answer, negotiated: negotiated)
    }

    // MARK: Assembly

    mutating func assemble(_ sections: inout [SectionAnswer], sessionID: UInt64) -> NegotiatedSession {
        func accepted(_ mid: String) -> Bool {
            sections.contains { $0.negotiated.mid == mid && $0.negotiated.isAccepted }
        }
        // BUNDLE: each offered group, answered with its accepted mids in the offer's order; the first is the
        // answerer BUNDLE-tag (RFC 8843). RFC 8843 would have the other bundled sections of an answer carry port 0
        // and a=bundle-only; every bundled section here keeps the bridge's one port instead, as JSEP stacks write
        // it: it is the BUNDLE address anyway, so nothing is ambiguous, and Chrome and aiortc read port 0 in an
        // answer as a rejected section.
        var bundleGroups: [[String]] = []
        for group in offer.groups(.bundle) {
            let mids = group.mids.filter(accepted)
            guard let tagMid = mids.first, let tag = sections.firstIndex(where: { $0.negotiated.mid == tagMid })
            else { continue }
            bundleGroups.append(mids)
            for mid in mids.dropFirst() {
                guard let index = sections.firstIndex(where: { $0.negotiated.mid == mid }) else { continue }
                sections[index].negotiated.transportIndex = tag
                // Candidates, a TRANSPORT attribute (RFC 8859), go with the BUNDLE-tag's section only (RFC 8843).
                sections[index].section.attributes.removeAll {
                    if case .candidate = $0 { return true }
                    return $0 == .endOfCandidates
                }
            }
        }

        var sessionAttributes: [Attribute] = []
        if sections.contains(where: { $0.section.iceUsernameFragment != nil }) { sessionAttributes.append(.iceLite) }
        for mids in bundleGroups { sessionAttributes.append(.group(Group(semantics: .bundle, mids: mids))) }

        var clue: CLUEChannel?
        if clueNegotiated, let group = clueGroup, let channel = clueChannelIndex, let mid = offer.media[channel].mid,
           let map = clueChannelMap {
            let mids = group.mids.filter(accepted)
            sessionAttributes.append(.group(Group(semantics: .clue, mids: mids)))
            clue = CLUEChannel(mid: mid, mediaIndex: channel, streamID: map.streamID,
                               controlledMids: mids.filter { $0 != mid })
        }

        let origin = Origin(sessionID: previous?.local.origin.sessionID ?? sessionID,
                            sessionVersion: previous.map { $0.local.origin.sessionVersion &+ 1 } ?? 1,
                            addressType: localAddressType, address: configuration.mediaAddress)
        let answer = SessionDescription(origin: origin, connection: ConnectionData(address: configuration.mediaAddress),
                                        attributes: sessionAttributes, media: sections.map(\.section))
        return NegotiatedSession(local: answer, remote: offer, media: sections.map(\.negotiated),
                                 bundleGroups: bundleGroups, clue: clue, remoteIsICELite: offer.isICELite)
    }
}
