/// Reads the transport parameters of one media section of a description, the way RFC 8843 and the attribute
/// definitions say to: the section's own attributes first, then those of its BUNDLE-tag section (the offerer and
/// answerer write the IDENTICAL and TRANSPORT attributes of RFC 8859 only there, RFC 8843), then the session level
/// (where RFC 8839 and RFC 8122 allow ICE credentials and fingerprints).
struct DescriptionView {
    let description: SessionDescription
    /// For each section in a BUNDLE group, the index of the group's first (tag) section.
    let bundleTag: [Int: Int]

    init(_ description: SessionDescription) {
        self.description = description
        var tags: [Int: Int] = [:]
        for group in description.groups(.bundle) {
            let indices = group.mids.compactMap { description.mediaIndex(mid: $0) }
            guard let tag = indices.first else { continue }
            for index in indices where tags[index] == nil { tags[index] = tag }
        }
        bundleTag = tags
    }

    var media: [MediaDescription] { description.media }

    /// Port 0 means rejected or disabled, unless the section is `a=bundle-only` in a BUNDLE group (RFC 8843
    /// section 6).
    func isActive(_ index: Int) -> Bool {
        let section = media[index]
        return section.port != 0 || (section.isBundleOnly && bundleTag[index] != nil)
    }

    /// The sections whose attributes apply, in order of precedence.
    private func sections(_ index: Int) -> [MediaDescription] {
        if let tag = bundleTag[index], tag != index { return [media[index], media[tag]] }
        return [media[index]]
    }

    private func first<T>(_ index: Int, _ value: (MediaDescription) -> T?) -> T? {
        for section in sections(index) { if let found = value(section) { return found } }
        return nil
    }

    private func firstNonEmpty<T>(_ index: Int, _ value: (MediaDescription) -> [T]) -> [T] {
        for section in sections(index) {
            let found = value(section)
            if !found.isEmpty { return found }
        }
        return []
    }

    func fingerprints(_ index: Int) -> [Fingerprint] {
        let own = firstNonEmpty(index) { $0.fingerprints }
        return own.isEmpty ? description.fingerprints : own
    }

    func setup(_ index: Int) -> SetupRole? { first(index) { $0.setup } ?? description.setup }

    func iceUsernameFragment(_ index: Int) -> String? {
        first(index) { $0.iceUsernameFragment } ?? description.iceUsernameFragment
    }

    func icePassword(_ index: Int) -> String? { first(index) { $0.icePassword } ?? description.icePassword }

    func candidates(_ index: Int) -> [Candidate] { firstNonEmpty(index) { $0.candidates } }

    func endOfCandidates(_ index: Int) -> Bool { sections(index).contains { $0.endOfCandidates } }

    func rtcpMux(_ index: Int) -> Bool { sections(index).contains { $0.rtcpMux || $0.rtcpMuxOnly } }

    func connection(_ index: Int) -> ConnectionData? {
        first(index) { $0.connections.first } ?? description.connection
    }

    /// The section's port, or its tag's when it is bundle-only.
    func port(_ index: Int) -> UInt16 {
        let own = media[index].port
        if own == 0, let tag = bundleTag[index] { return media[tag].port }
        return own
    }

    func rtcp(_ index: Int) -> RTCPAddress? { first(index) { $0.rtcp } }

    /// Media-level maps replace session-level ones (RFC 8285 section 7 forbids mixing them).
    func extensionMaps(_ index: Int) -> [ExtensionMap] {
        let own = media[index].extensionMaps
        return own.isEmpty ? description.extensionMaps : own
    }

    /// `kind application` carrying SCTP: a data channel section, whatever its security.
    static func isDataChannel(_ section: MediaDescription) -> Bool {
        section.kind == .application && (section.proto.isDTLSSCTP || section.formats.contains("webrtc-datachannel")
            || section.proto.description.uppercased().hasSuffix("SCTP"))
    }

    /// The peer's addresses and credentials for a section, before any decision about it.
    func peerTransport(_ index: Int, fingerprints: [Fingerprint], localDTLSRole: DTLSRole?,
                       rtcpMux: Bool) -> PeerTransport {
        let connection = connection(index)
        let rtpAddress = connection.map { TransportAddress(address: $0.address, port: port(index)) }
        var rtcpAddress = rtpAddress
        if !rtcpMux, let rtpAddress {
            if let rtcp = rtcp(index) {
                rtcpAddress = TransportAddress(address: rtcp.connection?.address ?? rtpAddress.address, port: rtcp.port)
            } else {
                rtcpAddress = TransportAddress(address: rtpAddress.address, port: rtpAddress.port &+ 1)
            }
        }
        let ice: ICECredentials? = switch (iceUsernameFragment(index), icePassword(index)) {
        case (let ufrag?, let password?): ICECredentials(usernameFragment: ufrag, password: password)
        default: nil
        }
        return PeerTransport(ice: ice, candidates: candidates(index), endOfCandidates: endOfCandidates(index),
                             fingerprints: fingerprints, setup: setup(index), localDTLSRole: localDTLSRole,
                             rtpAddress: rtpAddress, rtcpAddress: rtcpAddress)
    }
}
