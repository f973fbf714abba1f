import ICE

#if canImport(Glibc)
import Glibc
#endif

extension SocketAddress {
    /// The address as STUN carries it (XOR-MAPPED-ADDRESS), read from the stored sockaddr without formatting.
    var transportAddress: TransportAddress {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                let address = raw.load(as: sockaddr_in6.self)
                let bytes = withUnsafeBytes(of: address.sin6_addr) { Array($0) }
                let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                return TransportAddress(ip: .v6(high: high, low: low), port: UInt16(bigEndian: address.sin6_port))
            }
            let address = raw.load(as: sockaddr_in.self)
            return TransportAddress(ip: .v4(UInt32(bigEndian: address.sin_addr.s_addr)),
                                    port: UInt16(bigEndian: address.sin_port))
        }
    }
}
