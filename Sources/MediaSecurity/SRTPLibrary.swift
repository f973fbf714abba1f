import CSRTP

/// libsrtp2's process-wide state: `srtp_init()` registers the cipher and auth types (and, in Debian's build,
/// initializes NSS without a database) and must run once before any context is created.
enum SRTPLibrary {
    /// Swift initializes a global/static `let` exactly once, thread-safely (swift_once), on first use.
    private static let initialization: SRTPError? = {
        let status = srtp_init()
        return status == srtp_err_status_ok ? nil : SRTPError.initializationFailed(status: Int(status.rawValue))
    }()

    /// Runs `srtp_init()` on the first call in the process; later calls return its remembered outcome.
    static func ensureInitialized() throws(SRTPError) {
        if let failure = initialization { throw failure }
    }
}
