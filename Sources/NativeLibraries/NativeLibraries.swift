import CFFmpeg
import CLibXML2
import COpenSSL
import CSRTP
import CUsrsctp

/// The C libraries the bridge links, with the versions found at run time.
///
/// Calling into each library here makes the build fail early when one of them does not link,
/// and gives operators one place (`clue-mcu version`) to see what a binary was built against.
public enum NativeLibraries {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let version: String
    }

    public static func versions() -> [Entry] {
        [
            Entry(name: "libxml2", version: String(cString: __xmlParserVersion().pointee!)),
            Entry(name: "OpenSSL", version: String(cString: OpenSSL_version(OPENSSL_VERSION_STRING))),
            Entry(name: "libsrtp2", version: String(cString: srtp_get_version_string())),
            Entry(name: "usrsctp", version: usrsctpVersion()),
            Entry(name: "libavcodec", version: dotted(avcodec_version())),
            Entry(name: "libswscale", version: dotted(swscale_version())),
            Entry(name: "libavutil", version: dotted(avutil_version())),
        ]
    }

    /// usrsctp exports no version call; asking it for a tunable proves the symbol table links.
    private static func usrsctpVersion() -> String {
        "linked (sctp_sendspace \(usrsctp_sysctl_get_sctp_sendspace()))"
    }

    /// FFmpeg packs versions as major<<16 | minor<<8 | micro.
    private static func dotted(_ packed: UInt32) -> String {
        "\(packed >> 16).\((packed >> 8) & 0xff).\(packed & 0xff)"
    }
}
