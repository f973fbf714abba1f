/// Typed views of the headers. Each parses the stored text when asked and returns nil when the header is absent
/// or malformed; on a message from `SIPMessage(parsing:)` the headers the parser checks (Via, From, To, Call-ID,
/// CSeq, Contact, Route, Record-Route, Max-Forwards, Content-Type) always parse.
extension SIPHeaders {
    /// The first Via element.
    public var topVia: Via? {
        guard let first = fields.first(where: { $0.name == .via }) else { return nil }
        return withUTF8Bytes(first.value) { bytes -> Via? in
            let element = HeaderList.split(bytes, 0..<bytes.count)[0]
            var scanner = ByteScanner(bytes, range: element)
            return Via.parse(&scanner)
        }
    }

    /// Every Via element, top first; nil if any is malformed.
    public var vias: [Via]? {
        var result: [Via] = []
        for field in fields where field.name == .via {
            let parsed = withUTF8Bytes(field.value) { bytes -> [Via]? in
                var list: [Via] = []
                for element in HeaderList.split(bytes, 0..<bytes.count) {
                    var scanner = ByteScanner(bytes, range: element)
                    guard let via = Via.parse(&scanner) else { return nil }
                    list.append(via)
                }
                return list
            }
            guard let parsed else { return nil }
            result.append(contentsOf: parsed)
        }
        return result
    }

    public var from: NameAddress? { self[.from].flatMap { NameAddress($0) } }
    public var to: NameAddress? { self[.to].flatMap { NameAddress($0) } }

    /// `callid = word [ "@" word ]`, trimmed.
    public var callID: String? {
        guard let value = self[.callID] else { return nil }
        let trimmed = value.trimmingWhitespace
        return Self.isValidCallID(trimmed) ? String(trimmed) : nil
    }

    static func isValidCallID(_ text: Substring) -> Bool {
        var sawAt = false
        var partLength = 0
        for b in text.utf8 {
            if b == .at {
                guard !sawAt, partLength > 0 else { return false }
                sawAt = true
                partLength = 0
            } else {
                guard b.isIn(.word) else { return false }
                partLength += 1
            }
        }
        return partLength > 0
    }

    public var cseq: CSeq? { self[.cseq].flatMap { CSeq($0) } }

    public var contact: ContactValue? {
        let elements = self.elements(.contact)
        guard !elements.isEmpty else { return nil }
        if elements.count == 1, elements[0] == "*" { return .wildcard }
        var addresses: [NameAddress] = []
        for element in elements {
            guard let address = NameAddress(element) else { return nil }
            addresses.append(address)
        }
        return .addresses(addresses)
    }

    /// Route elements in order; nil if any is malformed.
    public var routes: [NameAddress]? { nameAddresses(.route) }
    /// Record-Route elements in order; nil if any is malformed.
    public var recordRoutes: [NameAddress]? { nameAddresses(.recordRoute) }

    func nameAddresses(_ name: SIPHeaderName) -> [NameAddress]? {
        var result: [NameAddress] = []
        for element in elements(name) {
            guard let address = NameAddress(element) else { return nil }
            result.append(address)
        }
        return result
    }

    /// 0-255. A larger or malformed value is treated as absent (RFC 4475 section 3.1.2.2 allows that).
    public var maxForwards: Int? {
        guard let value = self[.maxForwards]?.trimmingWhitespace, let number = Int(value),
              (0...255).contains(number) else { return nil }
        return number
    }

    /// Expires in seconds; nil when absent or malformed (RFC 3261 section 20.19 has malformed values treated as
    /// the default), values above 2**32-1 clamped.
    public var expires: UInt32? {
        guard let value = self[.expires]?.trimmingWhitespace, !value.isEmpty,
              value.utf8.allSatisfy({ $0.isIn(.digit) }) else { return nil }
        return UInt32(value) ?? UInt32.max
    }

    public var contentType: MediaType? { self[.contentType].flatMap { MediaType($0) } }

    public var retryAfter: RetryAfter? { self[.retryAfter].flatMap { RetryAfter($0) } }

    /// Allow: the methods, in order.
    public var allow: [SIPMethod] { elements(.allow).filter { !$0.isEmpty }.map { SIPMethod(String($0)) } }
    /// Supported option tags.
    public var supported: [String] { elements(.supported).filter { !$0.isEmpty }.map(String.init) }
    /// Require option tags.
    public var require: [String] { elements(.require).filter { !$0.isEmpty }.map(String.init) }
}
