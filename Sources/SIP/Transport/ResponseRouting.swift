/// Where responses go (RFC 3261 sections 18.2.1 and 18.2.2, RFC 3581 sections 4 and 5).
public enum ResponseRouting {
    /// The top Via of a received request as the server transport records it:
    ///
    /// - `received` = the packet's source address when the sent-by host is a name or another address
    ///   (RFC 3261 section 18.2.1), and always when the client asked for `rport` (RFC 3581 section 4);
    /// - `rport` = the packet's source port when present without a value.
    public static func stamp(_ via: Via, receivedFrom source: SIPAddress) -> Via {
        var via = via
        let rportRequested = via.rport != nil
        if rportRequested || !via.host.isAddress(source.host) {
            via.received = source.host
        }
        if via.rport == .requested {
            via.rport = .port(source.port)
        }
        return via
    }

    /// The same, applied to the first Via element of `headers` (which may share its line with other elements).
    /// Returns false when there is no parseable top Via.
    @discardableResult
    public static func stampTopVia(_ headers: inout SIPHeaders, receivedFrom source: SIPAddress) -> Bool {
        guard let index = headers.firstIndex(where: { $0.name == .via }) else { return false }
        let value = headers[index].value
        let elements = HeaderList.split(value)
        guard let top = Via(elements[0]) else { return false }
        let stamped = stamp(top, receivedFrom: source)
        guard stamped != top else { return true }
        var parts = [stamped.description]
        parts.append(contentsOf: elements.dropFirst().map(String.init))
        headers.replaceValue(at: index, with: parts.joined(separator: ", "))
        return true
    }

    /// Where to send a response to a request whose (stamped) top Via is `topVia` and which arrived from
    /// `source`.
    ///
    /// - Reliable transport: the connection the request came on; if it has closed, `received` (or the sent-by
    ///   host) at the sent-by port, or the `rport` value.
    /// - `maddr`: that address, the sent-by port or 5060.
    /// - `rport` with a value (RFC 3581 section 5): `received` and that port: exactly where the request came from.
    /// - `received`: that address, the sent-by port or 5060.
    /// - Otherwise the sent-by host and port (a name is for the driver to resolve, RFC 3263 section 5).
    public static func destination(for topVia: Via, requestFrom source: SIPHop) -> SIPHop {
        let defaultPort = SIPTransport(via: topVia.transport)?.defaultPort ?? source.transport.defaultPort
        let sentByPort = topVia.port ?? defaultPort
        if source.isReliable {
            var port = sentByPort
            if case .port(let value)? = topVia.rport { port = value }
            let host = topVia.received ?? topVia.host.address
            // The connection comes first; the address is the fallback when it has closed.
            return SIPHop(transport: source.transport, address: SIPAddress(host: host, port: port),
                          connection: source.connection)
        }
        if let maddr = topVia.maddr {
            return SIPHop(transport: source.transport, address: SIPAddress(host: maddr, port: topVia.port ?? 5060))
        }
        if case .port(let port)? = topVia.rport {
            return SIPHop(transport: source.transport,
                          address: SIPAddress(host: topVia.received ?? source.address.host, port: port))
        }
        if let received = topVia.received {
            return SIPHop(transport: source.transport, address: SIPAddress(host: received, port: topVia.port ?? 5060))
        }
        return SIPHop(transport: source.transport, address: SIPAddress(host: topVia.host.address,
                                                                       port: topVia.port ?? 5060))
    }
}
