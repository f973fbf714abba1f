import CLUEProtocol
import Testing

@Suite struct NegotiationTests {
    static func ext(_ name: String, _ version: ProtocolVersion) -> ProtocolExtension {
        ProtocolExtension(name: name, schemaRef: "URL_\(name)", version: version)
    }

    /// CP1's options of RFC 8847 section 10.1.
    static let sectionTenOptions = OptionsMessage(
        header: MessageHeader(clueID: "CP1", sequenceNumber: 51, version: ProtocolVersion(1, 4)),
        mediaProvider: true, mediaConsumer: true,
        supportedVersions: [ProtocolVersion(1, 4), ProtocolVersion(2, 7)],
        supportedExtensions: [ext("E1", ProtocolVersion(1, 4)), ext("E2", ProtocolVersion(1, 4)),
                              ext("E3", ProtocolVersion(1, 4)), ext("E4", ProtocolVersion(2, 7)),
                              ext("E5", ProtocolVersion(2, 7))])

    /// Section 10: CP2 with 3.0, 2.9 and 1.9 and no extensions answers CP1's options with 2.7 and no extensions.
    @Test func sectionTenExample() {
        let cp2 = ClueCapabilities(roles: .providerAndConsumer,
                                   supportedVersions: [ProtocolVersion(3, 0), ProtocolVersion(2, 9),
                                                       ProtocolVersion(1, 9)])
        let header = MessageHeader(clueID: "CP2", sequenceNumber: 62, version: ProtocolVersion(1, 4))
        let (response, outcome) = cp2.optionsResponse(to: Self.sectionTenOptions, header: header)
        #expect(response == OptionsResponseMessage(
            header: header, status: ResponseStatus(code: 200, reason: "Success"), mediaProvider: true,
            mediaConsumer: true, version: ProtocolVersion(2, 7), commonExtensions: nil))
        #expect(outcome == .success(NegotiatedOptions(
            version: ProtocolVersion(2, 7), extensions: [], localRoles: .providerAndConsumer,
            peerRoles: .providerAndConsumer, peerClueID: "CP1")))
    }

    /// Without supportedVersions the sender supports v's major with minors 0 through v's minor (section 5.1).
    @Test(arguments: [
        ([ProtocolVersion(3, 2)], ProtocolVersion?.some(ProtocolVersion(3, 2))),
        ([ProtocolVersion(3, 9)], ProtocolVersion(3, 4)),
        ([ProtocolVersion(3, 0), ProtocolVersion(4, 1)], ProtocolVersion(3, 0)),
        ([ProtocolVersion(1, 0), ProtocolVersion(2, 0)], nil),
    ])
    func absentSupportedVersionsMeansMajorOfV(ours: [ProtocolVersion], expected: ProtocolVersion?) {
        let options = OptionsMessage(header: MessageHeader(sequenceNumber: 1, version: ProtocolVersion(3, 4)),
                                     mediaProvider: true, mediaConsumer: false)
        #expect(ClueCapabilities.offeredVersions(in: options) == [ProtocolVersion(3, 4)])
        let capabilities = ClueCapabilities(roles: .providerAndConsumer, supportedVersions: ours)
        #expect((try? capabilities.negotiate(options).get())?.version == expected)
    }

    /// No common major version: 401, and the optionsResponse names no version.
    @Test func noCommonVersionIs401() {
        let ours = ClueCapabilities(roles: .providerAndConsumer, supportedVersions: [ProtocolVersion(3, 0)])
        let header = MessageHeader(sequenceNumber: 1, version: ProtocolVersion(1, 4))
        let (response, outcome) = ours.optionsResponse(to: Self.sectionTenOptions, header: header)
        #expect(outcome == .failure(.versionNotSupported))
        #expect(response.status.code == 401)
        #expect(response.version == nil)
        #expect(response.commonExtensions == nil)
    }

    /// The highest common version takes, per shared major, the smaller of the two highest minors.
    @Test func highestCommonVersionPerMajor() {
        let ours = ClueCapabilities(roles: .providerAndConsumer,
                                    supportedVersions: [ProtocolVersion(1, 2), ProtocolVersion(1, 7),
                                                        ProtocolVersion(2, 1)])
        #expect(ours.supportedVersions == [ProtocolVersion(1, 7), ProtocolVersion(2, 1)])
        #expect(ours.optionsVersion == ProtocolVersion(1, 7))
        #expect(ours.highestCommonVersion(with: [ProtocolVersion(1, 9)]) == ProtocolVersion(1, 7))
        #expect(ours.highestCommonVersion(with: [ProtocolVersion(1, 3), ProtocolVersion(2, 5)])
            == ProtocolVersion(2, 1))
        #expect(ours.highestCommonVersion(with: [ProtocolVersion(3, 0)]) == nil)
    }

    /// Common extensions share name and schemaRef and refer to the negotiated major; the offered entry is copied.
    @Test func commonExtensions() {
        let ours = ClueCapabilities(
            roles: .providerAndConsumer, supportedVersions: [ProtocolVersion(1, 4), ProtocolVersion(2, 7)],
            supportedExtensions: [Self.ext("E1", ProtocolVersion(1, 0)), Self.ext("E4", ProtocolVersion(2, 3)),
                                  ProtocolExtension(name: "E5", schemaRef: "other", version: ProtocolVersion(2, 7))])
        let negotiated = try? ours.negotiate(Self.sectionTenOptions).get()
        #expect(negotiated?.version == ProtocolVersion(2, 7))
        #expect(negotiated?.extensions == [Self.ext("E4", ProtocolVersion(2, 7))])
        let header = MessageHeader(sequenceNumber: 1, version: ProtocolVersion(1, 4))
        #expect(ours.optionsResponse(to: Self.sectionTenOptions, header: header).response.commonExtensions
            == [Self.ext("E4", ProtocolVersion(2, 7))])
    }

    /// The Channel Initiator accepts a version it offered and drops extensions it did not offer.
    @Test func initiatorAcceptsOfferedVersion() {
        let cp1 = ClueCapabilities(roles: .providerAndConsumer,
                                   supportedVersions: [ProtocolVersion(1, 4), ProtocolVersion(2, 7)],
                                   supportedExtensions: [Self.ext("E4", ProtocolVersion(2, 7))])
        let response = OptionsResponseMessage(
            header: MessageHeader(clueID: "CP2", sequenceNumber: 62, version: ProtocolVersion(1, 4)),
            status: ResponseCode.success.status, mediaProvider: false, mediaConsumer: true,
            version: ProtocolVersion(2, 7),
            commonExtensions: [Self.ext("E4", ProtocolVersion(2, 7)), Self.ext("E9", ProtocolVersion(2, 7))])
        let negotiated = try? cp1.accept(response).get()
        #expect(negotiated?.version == ProtocolVersion(2, 7))
        #expect(negotiated?.extensions == [Self.ext("E4", ProtocolVersion(2, 7))])
        #expect(negotiated?.peerClueID == "CP2")
        #expect(negotiated?.runsMediaProvider == true)
        #expect(negotiated?.runsMediaConsumer == false)
    }

    /// The Channel Initiator refuses a version it never offered, and a success without a version.
    @Test func initiatorRefusesUnofferedVersion() {
        let cp1 = ClueCapabilities(roles: .providerAndConsumer, supportedVersions: [ProtocolVersion(1, 4)])
        func response(_ version: ProtocolVersion?) -> OptionsResponseMessage {
            OptionsResponseMessage(header: MessageHeader(sequenceNumber: 1), status: ResponseCode.success.status,
                                   mediaProvider: true, mediaConsumer: true, version: version)
        }
        #expect(cp1.accept(response(ProtocolVersion(1, 5))) == .failure(.versionNotSupported))
        #expect(cp1.accept(response(ProtocolVersion(2, 0))) == .failure(.versionNotSupported))
        #expect(cp1.accept(response(nil)) == .failure(.semantic("successful optionsResponse without <version>")))
        #expect((try? cp1.accept(response(ProtocolVersion(1, 2))).get())?.version == ProtocolVersion(1, 2))
    }
}
