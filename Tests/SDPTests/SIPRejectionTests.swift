import SDP
import Testing

@Suite struct SIPRejectionTests {
    /// Syntax errors are 400 Bad Request; well-formed descriptions the bridge will not take are 488.
    @Test func parseErrorStatus() {
        let badRequest: [SDPParseError] = [
            .empty, .forbiddenByte(line: 1, byte: 0), .malformedLine(line: 1), .unknownLineType(line: 1, type: "x"),
            .misplacedLine(line: 1, type: "s", reason: "twice"), .missingLine(type: "o"),
            .invalidField(line: 1, type: "m", reason: "port"), .invalidAttribute(line: 1, name: "setup", reason: "x"),
        ]
        for error in badRequest {
            #expect(error.sipRejection.statusCode == 400, "\(error)")
            #expect(error.sipRejection.reasonPhrase == "Bad Request")
        }
        let notAcceptable: [SDPParseError] = [
            .tooLarge(size: 2, limit: 1), .tooManyLines(line: 1, limit: 1), .lineTooLong(line: 1, length: 2, limit: 1),
            .tooManyMediaDescriptions(line: 1, limit: 1), .notUTF8(line: 1),
            .unsupportedVersion(line: 1, version: "1"),
        ]
        for error in notAcceptable {
            #expect(error.sipRejection.statusCode == 488, "\(error)")
            #expect(error.sipRejection.reasonPhrase == "Not Acceptable Here")
        }
    }

    /// Every offer rejection is 488, with the RFC 3261 section 20.43 warn-code that fits.
    @Test func offerRejectionWarnings() {
        let cases: [(OfferRejection, UInt16)] = [
            (.clueMediaNotDTLSSRTP(index: 0, mid: "4", proto: .rtpAVP), 302),
            (.sdesOnCLUEMedia(index: 0, mid: "4"), 302),
            (.clueDataChannelNotDTLS(index: 0, mid: "3", proto: .other("SCTP")), 302),
            (.noMedia, 304), (.multipleCLUEGroups, 399), (.clueGroupDataChannels(count: 2), 399),
            (.missingCLUEChannelMap(mid: "3"), 399), (.multipleCLUEChannelMaps(mid: "3"), 399),
            (.clueChannelPartiallyReliable(streamID: 2), 399), (.clueChannelUnordered(streamID: 2), 399),
            (.conflictingReliability(streamID: 2), 399), (.unknownGroupMember(semantics: .bundle, mid: "9"), 399),
            (.duplicateMid("1"), 399), (.midInSeveralBundleGroups("1"), 399),
            (.fewerMediaSections(offered: 1, required: 2), 399),
            (.noAcceptableMedia([.init(index: 0, mid: nil, kind: .audio, reason: .noCommonCodec)]), 305),
            (.noAcceptableMedia([.init(index: 0, mid: nil, kind: .audio, reason: .disabledByOfferer),
                                 .init(index: 1, mid: "v", kind: .video, reason: .sdesNotSupported)]), 302),
            (.noAcceptableMedia([.init(index: 0, mid: nil, kind: .image, reason: .unsupportedMedia(.image))]), 304),
            (.noAcceptableMedia([.init(index: 0, mid: nil, kind: .audio, reason: .rtcpMuxRequired)]), 306),
            (.noAcceptableMedia([.init(index: 0, mid: nil, kind: .audio, reason: .unsupportedAddress("ATM"))]), 300),
        ]
        for (rejection, warning) in cases {
            #expect(rejection.sipRejection.statusCode == 488, "\(rejection)")
            #expect(rejection.sipRejection.warningCode == warning, "\(rejection)")
            #expect(rejection.sipRejection.warningText == rejection.description.replacingOccurrences("\"", "'"))
        }
    }

    /// Warning text is safe inside the Warning header's quoted string: no quotes, no control characters.
    @Test func warningTextIsQuotable() {
        let rejection = SDPParseError.invalidAttribute(line: 3, name: "dcmap", reason: "label=\"x\"\tis\u{7}odd")
            .sipRejection
        #expect(!rejection.warningText.contains("\""))
        #expect(rejection.warningText.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F })
        #expect(AnswerRejection.noCommonCodec(index: 2).sipWarning.text == "m-line 3: no offered codec in the answer")
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: Character, _ replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
