import CUsrsctp

extension SCTPAssociation {
    /// usrsctp's view of the association, for diagnostics.
    public struct Status: Sendable, CustomStringConvertible {
        public var state: Int32
        public var peerReceiveWindow: UInt32
        public var unacknowledgedChunks: UInt16
        public var pendingChunks: UInt16
        public var congestionWindow: UInt32
        public var smoothedRoundTripTime: UInt32
        public var retransmissionTimeout: UInt32
        public var pathMTU: UInt32

        public var description: String {
            "state \(state) rwnd \(peerReceiveWindow) unacked \(unacknowledgedChunks) pending \(pendingChunks) "
                + "cwnd \(congestionWindow) srtt \(smoothedRoundTripTime) rto \(retransmissionTimeout) mtu \(pathMTU)"
        }
    }

    /// nil when closed or not yet associated.
    public var status: Status? {
        withSocket { socket in
            var status = sctp_status()
            var length = socklen_t(MemoryLayout<sctp_status>.size)
            guard usrsctp_getsockopt(socket, IPPROTO_SCTPValue, SCTP_STATUS, &status, &length) == 0 else { return nil }
            return Status(state: status.sstat_state, peerReceiveWindow: status.sstat_rwnd,
                          unacknowledgedChunks: status.sstat_unackdata, pendingChunks: status.sstat_penddata,
                          congestionWindow: status.sstat_primary.spinfo_cwnd,
                          smoothedRoundTripTime: status.sstat_primary.spinfo_srtt,
                          retransmissionTimeout: status.sstat_primary.spinfo_rto,
                          pathMTU: status.sstat_primary.spinfo_mtu)
        }
    }
}
