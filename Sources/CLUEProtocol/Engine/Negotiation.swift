/// The roles a CLUE Participant declares in `options` and `optionsResponse` (RFC 8847 sections 5.1, 5.2).
public struct ClueRoles: Sendable, Hashable {
    public var mediaProvider: Bool
    public var mediaConsumer: Bool

    public init(mediaProvider: Bool, mediaConsumer: Bool) {
        self.mediaProvider = mediaProvider
        self.mediaConsumer = mediaConsumer
    }

    public static let providerAndConsumer = ClueRoles(mediaProvider: true, mediaConsumer: true)
}

/// One of the two roles, for errors that name the missing one.
public enum ClueRole: Sendable, Hashable {
    case mediaProvider
    case mediaConsumer
}

/// What this side supports, as offered in `options` or matched against a received `options`.
public struct ClueCapabilities: Sendable, Hashable {
    public var roles: ClueRoles
    /// One entry per major version carrying its highest minor (section 5.1), ascending.
    public private(set) var supportedVersions: [ProtocolVersion]
    public var supportedExtensions: [ProtocolExtension]

    /// `supportedVersions` may list several minors of one major; only the highest of each major is kept, because
    /// "all minor versions are backward compatible" (section 5.1).
    public init(roles: ClueRoles, supportedVersions: [ProtocolVersion] = [.v1_0],
                supportedExtensions: [ProtocolExtension] = []) {
        precondition(!supportedVersions.isEmpty, "a CLUE participant supports at least one version")
        self.roles = roles
        self.supportedVersions = Self.highestMinorPerMajor(supportedVersions)
        self.supportedExtensions = supportedExtensions
    }

    /// The `v` of our `options`: section 5.1 says it "SHOULD be set to the largest minor version of the smallest
    /// major version advertised in the <supportedVersions> list", so that a peer that only knows older majors can
    /// still read the message before it closes the connection.
    public var optionsVersion: ProtocolVersion { supportedVersions[0] }

    /// The versions a received `options` offers, one per major with its highest minor. Without
    /// `<supportedVersions>` the sender supports only `v`'s major, minors 0 through `v`'s minor (section 5.1). An
    /// empty list breaks the schema's `minOccurs="1"`; it is read like an absent one.
    public static func offeredVersions(in options: OptionsMessage) -> [ProtocolVersion] {
        guard let listed = options.supportedVersions, !listed.isEmpty else { return [options.header.version] }
        return highestMinorPerMajor(listed)
    }

    /// The highest version both sides support: for every major both list, the smaller of the two highest minors
    /// (minors are backward compatible, section 7); then the highest such major. Nil when no major is shared.
    public func highestCommonVersion(with offered: [ProtocolVersion]) -> ProtocolVersion? {
        var best: ProtocolVersion?
        for theirs in Self.highestMinorPerMajor(offered) {
            guard let ours = supportedVersions.first(where: { $0.major == theirs.major }) else { continue }
            let common = min(ours, theirs)
            if best.map({ common > $0 }) ?? true { best = common }
        }
        return best
    }

    /// The extensions both sides support for `version`: same name and schema, and an extension version whose major
    /// is the negotiated major, since an extension refers to "the major standard version of the protocol"
    /// (section 8). The offered entries are "copied" (section 5.2), keeping the offerer's order.
    public func commonExtensions(with offered: [ProtocolExtension], for version: ProtocolVersion)
        -> [ProtocolExtension] {
        offered.filter { theirs in
            theirs.version.major == version.major && supportedExtensions.contains { ours in
                ours.name == theirs.name && ours.schemaRef == theirs.schemaRef
                    && ours.version.major == version.major
            }
        }
    }

    /// The Channel Receiver's side of the initiation phase (sections 5.1, 5.2, 7): the outcome of a received
    /// `options`, as the content of the `optionsResponse` to send. 401 when no major version is shared.
    public func negotiate(_ options: OptionsMessage) -> Result<NegotiatedOptions, ClueProtocolError> {
        guard let version = highestCommonVersion(with: Self.offeredVersions(in: options)) else {
            return .failure(.versionNotSupported)
        }
        return .success(NegotiatedOptions(
            version: version,
            extensions: commonExtensions(with: options.supportedExtensions ?? [], for: version),
            localRoles: roles,
            peerRoles: ClueRoles(mediaProvider: options.mediaProvider, mediaConsumer: options.mediaConsumer),
            peerClueID: options.header.clueID))
    }

    /// The `optionsResponse` answering `options`, with `header` already filled in by the caller (the initiation
    /// stream's next number). On success it carries roles, version and, when there are any, the common extensions:
    /// the schema's `extensionsListType` needs at least one `<extension>`, so "no extensions" is an absent
    /// `<commonExtensions>`, as in the example of section 10.2. On failure it carries our roles only, since there is
    /// no common version to name.
    public func optionsResponse(to options: OptionsMessage, header: MessageHeader)
        -> (response: OptionsResponseMessage, outcome: Result<NegotiatedOptions, ClueProtocolError>) {
        let outcome = negotiate(options)
        switch outcome {
        case .success(let negotiated):
            return (OptionsResponseMessage(
                header: header, status: ResponseCode.success.status,
                mediaProvider: roles.mediaProvider, mediaConsumer: roles.mediaConsumer,
                version: negotiated.version,
                commonExtensions: negotiated.extensions.isEmpty ? nil : negotiated.extensions), outcome)
        case .failure(let error):
            return (OptionsResponseMessage(
                header: header, status: error.responseStatus,
                mediaProvider: roles.mediaProvider, mediaConsumer: roles.mediaConsumer), outcome)
        }
    }

    /// The Channel Initiator's side: what a successful `optionsResponse` to our `options` means. The version must be
    /// one we offered (a major we listed, a minor no higher than ours); extensions we did not offer, or offered for
    /// another major, are dropped (we could not speak them). A missing role element reads as false and a missing
    /// `<commonExtensions>` as none, to be liberal in what we accept (section 7; the example of section 10.2 itself
    /// omits `<commonExtensions>`).
    public func accept(_ response: OptionsResponseMessage) -> Result<NegotiatedOptions, ClueProtocolError> {
        guard response.status.responseClass == .success else {
            return .failure(.semantic("optionsResponse \(response.status.code) is not a success"))
        }
        guard let version = response.version else {
            return .failure(.semantic("successful optionsResponse without <version>"))
        }
        guard let ours = supportedVersions.first(where: { $0.major == version.major }), version <= ours else {
            return .failure(.versionNotSupported)
        }
        let extensions = (response.commonExtensions ?? []).filter { theirs in
            theirs.version.major == version.major
                && supportedExtensions.contains { $0.name == theirs.name && $0.schemaRef == theirs.schemaRef }
        }
        return .success(NegotiatedOptions(
            version: version, extensions: extensions, localRoles: roles,
            peerRoles: ClueRoles(mediaProvider: response.mediaProvider ?? false,
                                 mediaConsumer: response.mediaConsumer ?? false),
            peerClueID: response.header.clueID))
    }

    static func highestMinorPerMajor(_ versions: [ProtocolVersion]) -> [ProtocolVersion] {
        var highest: [UInt32: ProtocolVersion] = [:]
        for version in versions where highest[version.major].map({ version > $0 }) ?? true {
            highest[version.major] = version
        }
        return highest.values.sorted()
    }
}

/// The result of the initiation phase: what both sides agreed on (RFC 8847 sections 5.2, 6).
public struct NegotiatedOptions: Sendable, Hashable {
    /// The version every later message carries in `v` (section 5.2).
    public var version: ProtocolVersion
    /// The extensions allowed in this CLUE session.
    public var extensions: [ProtocolExtension]
    public var localRoles: ClueRoles
    public var peerRoles: ClueRoles
    /// The `clueId` the peer introduced itself with, if any.
    public var peerClueID: String?

    public init(version: ProtocolVersion, extensions: [ProtocolExtension], localRoles: ClueRoles,
                peerRoles: ClueRoles, peerClueID: String? = nil) {
        self.version = version
        self.extensions = extensions
        self.localRoles = localRoles
        self.peerRoles = peerRoles
        self.peerClueID = peerClueID
    }

    /// Whether our Media Provider machine runs. Section 6 starts the sub-machines "according to the roles it plays";
    /// an MP dialogue needs a consumer on the other side, so it runs only when we declared MP and the peer MC.
    public var runsMediaProvider: Bool { localRoles.mediaProvider && peerRoles.mediaConsumer }

    /// Whether our Media Consumer machine runs: we declared MC and the peer MP.
    public var runsMediaConsumer: Bool { localRoles.mediaConsumer && peerRoles.mediaProvider }
}
