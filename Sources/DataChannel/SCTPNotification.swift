import CUsrsctp

/// The usrsctp notifications this module subscribes to, read from the bytes of a `union sctp_notification`
/// (host byte order, layouts from usrsctp.h). Unknown or short notifications read as nil.
enum SCTPNotification: Equatable {
    case associationUp
    case associationEnded(String)
    /// The peer started a graceful shutdown (SCTP_SHUTDOWN_EVENT); no more data will arrive.
    case peerShutdown(String)
    /// Empty means all streams (RFC 6525 section 4.1 with no stream list).
    case incomingStreamsReset([UInt16])
    case partialDeliveryAborted(stream: UInt16)

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 8 else { return nil }
        let type = bytes.loadUnaligned(as: UInt16.self)
        switch Int32(type) {
        case SCTP_ASSOC_CHANGE:
            guard let state: UInt16 = Self.field(bytes, \sctp_assoc_change.sac_state),
                  let error: UInt16 = Self.field(bytes, \sctp_assoc_change.sac_error) else { return nil }
            switch Int32(state) {
            case SCTP_COMM_UP: self = .associationUp
            case SCTP_COMM_LOST: self = .associationEnded(error == 0 ? "association lost" : "association lost (cause \(error))")
            case SCTP_SHUTDOWN_COMP: self = .associationEnded("shutdown complete")
            case SCTP_CANT_STR_ASSOC: self = .associationEnded("could not start the association")
            default: return nil  // SCTP_RESTART: the association continues
            }
        case SCTP_SHUTDOWN_EVENT:
            self = .peerShutdown("shutdown by the peer")
        case SCTP_STREAM_RESET_EVENT:
            guard let flags: UInt16 = Self.field(bytes, \sctp_stream_reset_event.strreset_flags),
                  let length: UInt32 = Self.field(bytes, \sctp_stream_reset_event.strreset_length) else { return nil }
            let failed = Int32(flags) & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED) != 0
            guard Int32(flags) & SCTP_STREAM_RESET_INCOMING_SSN != 0, !failed else { return nil }
            // The stream list follows the fixed part (a flexible array member).
            let listStart = MemoryLayout<sctp_stream_reset_event>.size
            let listEnd = min(Int(length), bytes.count)
            var streams: [UInt16] = []
            var offset = listStart
            while listEnd - offset >= 2 {
                streams.append(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
                offset += 2
            }
            self = .incomingStreamsReset(streams)
        case SCTP_PARTIAL_DELIVERY_EVENT:
            guard let indication: UInt32 = Self.field(bytes, \sctp_pdapi_event.pdapi_indication),
                  let stream: UInt32 = Self.field(bytes, \sctp_pdapi_event.pdapi_stream),
                  Int32(indication) == SCTP_PARTIAL_DELIVERY_ABORTED else { return nil }
            self = .partialDeliveryAborted(stream: UInt16(truncatingIfNeeded: stream))
        default:
            return nil
        }
    }

    private static func field<Layout, Value: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer,
                                                                 _ path: KeyPath<Layout, Value>) -> Value? {
        guard let offset = MemoryLayout<Layout>.offset(of: path),
              offset + MemoryLayout<Value>.size <= bytes.count else { return nil }
        return bytes.loadUnaligned(fromByteOffset: offset, as: Value.self)
    }
}
