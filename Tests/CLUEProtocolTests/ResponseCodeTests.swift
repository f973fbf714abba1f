import CLUEProtocol
import Testing

@Suite struct ResponseCodeTests {
    /// Table 1 of RFC 8847 section 5.7: every code with its reason string, and only 200 is a success.
    @Test func tableOne() {
        let table: [(UInt16, String)] = [
            (200, "Success"), (300, "Low-level request error"), (301, "Bad syntax"), (302, "Invalid value"),
            (303, "Conflicting values"), (400, "Semantic errors"), (401, "Version not supported"),
            (402, "Invalid sequencing"), (403, "Invalid identifier"), (404, "Advertisement expired"),
            (405, "Subset choice not allowed"),
        ]
        #expect(ResponseCode.allCases.map { ($0.rawValue) } == table.map(\.0))
        for (code, reason) in table {
            let responseCode = ResponseCode(rawValue: code)
            #expect(responseCode?.reasonString == reason)
            #expect(responseCode?.isSuccess == (code == 200))
            #expect(responseCode?.status == ResponseStatus(code: code, reason: reason))
        }
    }

    /// Every protocol error maps to its Table 1 code, and the reason starts with the table's reason string.
    @Test(arguments: [
        (ClueProtocolError.lowLevelRequestError("x"), ResponseCode.lowLevelRequestError),
        (.badSyntax("x"), .badSyntax),
        (.invalidValue("x"), .invalidValue),
        (.conflictingValues("x"), .conflictingValues),
        (.semantic("x"), .semanticErrors),
        (.versionNotSupported, .versionNotSupported),
        (.invalidSequencing(expected: 5, got: 7), .invalidSequencing),
        (.invalidIdentifier, .invalidIdentifier),
        (.advertisementExpired(11), .advertisementExpired),
        (.subsetChoiceNotAllowed(captureID: "VC3"), .subsetChoiceNotAllowed),
    ])
    func errorMapsToCode(error: ClueProtocolError, code: ResponseCode) {
        #expect(error.responseCode == code)
        #expect(error.responseStatus.code == code.rawValue)
        #expect(error.responseStatus.reason?.hasPrefix(code.reasonString) == true)
        #expect(!error.responseStatus.isSuccess)
    }

    /// The reason string carries the specific detail after the table's reason.
    @Test func reasonCarriesDetail() {
        #expect(ClueProtocolError.invalidSequencing(expected: 5, got: 7).responseStatus.reason
            == "Invalid sequencing: expected sequence number 5, got 7")
        #expect(ClueProtocolError.advertisementExpired(11).responseStatus.reason
            == "Advertisement expired: advertisement 11 is out of date")
        #expect(ClueProtocolError.versionNotSupported.responseStatus.reason == "Version not supported")
        #expect(ClueProtocolError.subsetChoiceNotAllowed(captureID: "VC3").responseStatus.reason
            == "Subset choice not allowed: capture VC3 does not allow subset choice")
    }

    /// Codes outside Table 1 mean the generic code of their class; 1xx, 5xx-9xx and 0xx have none and are errors.
    @Test(arguments: [
        (UInt16(201), ResponseCode?.some(.success), ResponseClass.success),
        (250, .success, .success),
        (399, .lowLevelRequestError, .lowLevelRequestError),
        (406, .semanticErrors, .semanticError),
        (100, nil, .reservedForFutureMajorVersions),
        (199, nil, .reservedForFutureMajorVersions),
        (500, nil, .reservedForFutureMajorVersions),
        (999, nil, .reservedForFutureMajorVersions),
        (99, nil, .notAllowed),
        (0, nil, .notAllowed),
        (1000, nil, .notAllowed),
    ])
    func interpretsReceivedCodes(code: UInt16, meaning: ResponseCode?, responseClass: ResponseClass) {
        #expect(ResponseCode(interpreting: code) == meaning)
        #expect(ResponseClass(code: code) == responseClass)
        #expect(ResponseStatus(code: code).responseClass.isError == (responseClass != .success))
        #expect(ResponseStatus(code: code).isSuccess == (responseClass == .success))
    }
}
