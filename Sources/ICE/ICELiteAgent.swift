/// The local and remote ICE credentials of one session, from the SDP offer and answer.
public struct ICELiteConfiguration: Hashable, Sendable {
    public var localUsernameFragment: String
    public var localPassword: String
    public var remoteUsernameFragment: String
    public var remotePassword: String
    /// RFC 7675 section 5.1: consent is lost when no valid check arrived for this long (30 s by default).
    public var consentTimeout: Duration
    /// SOFTWARE in responses, or none.
    public var software: String?

    public init(localUsernameFragment: String, localPassword: String, remoteUsernameFragment: String,
                remotePassword: String, consentTimeout: Duration = .seconds(30), software: String? = nil) {
        self.localUsernameFragment = localUsernameFragment
        self.localPassword = localPassword
        self.remoteUsernameFragment = remoteUsernameFragment
        self.remotePassword = remotePassword
        self.consentTimeout = consentTimeout
        self.software = software
    }
}

/// What the driver must do after feeding the agent.
public enum ICELiteAction: Hashable, Sendable {
    /// Send this datagram back to the check's source.
    case send([UInt8], to: TransportAddress)
    /// The controlling peer nominated this source (USE-CANDIDATE on a valid check): latch it as the 5-tuple.
    case selected(TransportAddress)
    /// A valid check on the selected pair (or, before selection, on any pair) renewed consent.
    case consentRefreshed
    /// No valid check within the consent timeout: stop sending media and end the session (RFC 7675 section 5.1).
    case consentExpired
}

/// Why a request was refused or ignored, for the driver's counters; each maps to what went on the wire.
public enum ICELiteRejection: Hashable, Sendable {
    /// Not a STUN message, a response or indication, a bad FINGERPRINT, or consent already expired: dropped.
    case dropped
    case badRequest
    case unauthenticated
    case unknownAttributes([UInt16])
    case roleConflict

    /// The STUN status sent for this rejection, if one is sent.
    public var errorCode: STUNErrorCode? {
        switch self {
        case .dropped: nil
        case .badRequest: .badRequest
        case .unauthenticated: .unauthenticated
        case .unknownAttributes: .unknownAttribute
        case .roleConflict: .roleConflict
        }
    }
}

/// The ICE-lite agent of one session (RFC 8445 sections 2.5 and 7.3, RFC 7675), as the bridge runs it: it never
/// sends checks, only answers them; it is always in the controlled role (section 6.1.1: against a full agent the
/// full agent controls), so it never switches role; it latches the pair the controlling peer nominates.
public struct ICELiteAgent: Sendable {
    public let configuration: ICELiteConfiguration
    /// The nominated remote address, once USE-CANDIDATE arrived on a valid check.
    public private(set) var selectedAddress: TransportAddress?
    /// When the last valid check (on the selected pair, once there is one) arrived; the start time before that.
    public private(set) var lastConsent: ContinuousClock.Instant
    public private(set) var consentExpired = false
    /// Why the last input produced no success response, if it did not.
    public private(set) var lastRejection: ICELiteRejection?

    private let expectedUsername: String
    private let key: [UInt8]

    public init(configuration: ICELiteConfiguration, now: ContinuousClock.Instant) {
        self.configuration = configuration
        lastConsent = now
        expectedUsername = configuration.localUsernameFragment + ":" + configuration.remoteUsernameFragment
        // Short-term credentials: the key is the password (RFC 8489 section 9.1.1; ICE passwords are ASCII, so
        // OpaqueString leaves them unchanged).
        key = Array(configuration.localPassword.utf8)
    }

    /// When `timeout(now:)` must next be called; nil once consent has expired.
    public var nextDeadline: ContinuousClock.Instant? {
        consentExpired ? nil : lastConsent.advanced(by: configuration.consentTimeout)
    }

    public mutating func timeout(now: ContinuousClock.Instant) -> [ICELiteAction] {
        guard let deadline = nextDeadline, now >= deadline else { return [] }
        consentExpired = true
        return [.consentExpired]
    }

    public mutating func receive(_ bytes: [UInt8], from source: TransportAddress,
                                 now: ContinuousClock.Instant) -> [ICELiteAction] {
        bytes.withUnsafeBytes { receive($0, from: source, now: now) }
    }

    /// Handles one datagram that the demultiplexer classified as STUN.
    public mutating func receive(_ buffer: UnsafeRawBufferPointer, from source: TransportAddress,
                                 now: ContinuousClock.Instant) -> [ICELiteAction] {
        lastRejection = nil
        guard !consentExpired, let (type, id) = try? STUNMessage.parseHeader(buffer) else {
            return reject(.dropped)
        }
        // Only requests get an answer; a lite agent sends no requests, so responses are strays, and indications
        // (keepalives) need nothing (RFC 8445 section 11).
        guard type.messageClass == .request else { return reject(.dropped) }
        // A FINGERPRINT that does not match means the datagram is not STUN at all (RFC 8489 section 7.3).
        guard STUNIntegrity.verifyFingerprint(buffer) != .invalid else { return reject(.dropped) }
        guard type.method == .binding, let request = try? STUNMessage(parsing: buffer) else {
            return reject(.badRequest, to: source, id: id, method: type.method)
        }
        // RFC 8489 section 9.1.3: without USERNAME and MESSAGE-INTEGRITY, 400; a wrong USERNAME or a failed
        // integrity check, 401. Neither response carries integrity: the requester is not who we expected.
        guard let username = request.username, request.first(STUNAttributeType.messageIntegrity) != nil else {
            return reject(.badRequest, to: source, id: id, method: type.method)
        }
        guard username == expectedUsername,
              STUNIntegrity.verifyMessageIntegrity(buffer, key: key) == .valid else {
            return reject(.unauthenticated, to: source, id: id, method: type.method)
        }
        // RFC 8489 section 6.3.1: unknown comprehension-required attributes, 420 listing them.
        let unknown = request.attributes.compactMap { attribute -> UInt16? in
            guard case .other(let type, _) = attribute, STUNAttributeType.isComprehensionRequired(type),
                  !STUNAttributeType.understoodRequired.contains(type) else { return nil }
            return type
        }
        if !unknown.isEmpty {
            return reject(.unknownAttributes(unknown), to: source, id: id, method: type.method,
                          extra: [.unknownAttributes(unknown)], signed: true)
        }
        // RFC 8445 section 7.3.1.1 with the controlled role fixed: ICE-CONTROLLED from the peer is a conflict.
        // A full agent would compare tie-breakers and might switch to controlling; a lite agent cannot control, so
        // it always answers 487 and keeps its role, which makes the full peer switch (section 7.2.5.1).
        // ICE-CONTROLLING, or neither attribute, is no conflict.
        if request.first(STUNAttributeType.iceControlled) != nil {
            return reject(.roleConflict, to: source, id: id, method: type.method, signed: true)
        }

        var actions: [ICELiteAction] = [.send(successResponse(to: request, from: source), to: source)]
        // Section 7.3.1.5: a valid check carrying USE-CANDIDATE nominates its pair; the last nomination wins.
        if request.first(STUNAttributeType.useCandidate) != nil, selectedAddress != source {
            selectedAddress = source
            actions.append(.selected(source))
        }
        // RFC 7675 adapted: the peer's checks on the selected pair are its consent; before nomination any valid
        // check keeps the session alive.
        if selectedAddress == nil || selectedAddress == source {
            lastConsent = now
            actions.append(.consentRefreshed)
        }
        return actions
    }

    private func successResponse(to request: STUNMessage, from source: TransportAddress) -> [UInt8] {
        var attributes: [STUNAttribute] = [.xorMappedAddress(source)]
        if let software = configuration.software { attributes.append(.software(software)) }
        let response = STUNMessage(type: STUNMessageType(method: request.type.method, messageClass: .successResponse),
                                   transactionID: request.transactionID, attributes: attributes)
        return response.serialized(integrityKey: key, fingerprint: true)
    }

    private mutating func reject(_ rejection: ICELiteRejection) -> [ICELiteAction] {
        lastRejection = rejection
        return []
    }

    private mutating func reject(_ rejection: ICELiteRejection, to source: TransportAddress, id: STUNTransactionID,
                                 method: STUNMethod, extra: [STUNAttribute] = [],
                                 signed: Bool = false) -> [ICELiteAction] {
        lastRejection = rejection
        guard let code = rejection.errorCode else { return [] }
        var attributes: [STUNAttribute] = [.errorCode(code)] + extra
        if let software = configuration.software { attributes.append(.software(software)) }
        let response = STUNMessage(type: STUNMessageType(method: method, messageClass: .errorResponse),
                                   transactionID: id, attributes: attributes)
        return [.send(response.serialized(integrityKey: signed ? key : nil, fingerprint: true), to: source)]
    }
}
