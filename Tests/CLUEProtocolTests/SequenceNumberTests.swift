import CLUEProtocol
import Testing
import TestSupport

@Suite struct SequenceNumberTests {
    /// An outgoing stream starts at the caller's number and adds one per message.
    @Test func outgoingIncrementsByOne() {
        var stream = OutgoingSequenceNumbers(startingAt: 51)
        #expect(stream.take() == 51)
        #expect(stream.take() == 52)
        #expect(stream.next == 53)
    }

    /// The first incoming number is taken as it comes, every later one must be the last plus one.
    @Test func incomingAcceptsConsecutiveNumbers() throws {
        var stream = IncomingSequenceNumbers()
        try stream.accept(9_000)
        try stream.accept(9_001)
        #expect(stream.lastReceived == 9_001)
    }

    /// A repeated number is 402 and does not move the stream.
    @Test func repeatIsInvalidSequencing() throws {
        var stream = IncomingSequenceNumbers()
        try stream.accept(10)
        #expect(throws: ClueProtocolError.invalidSequencing(expected: 11, got: 10)) { try stream.accept(10) }
        #expect(stream.lastReceived == 10)
        try stream.accept(11)
    }

    /// A smaller number is 402 and does not move the stream backwards.
    @Test func smallerIsInvalidSequencing() throws {
        var stream = IncomingSequenceNumbers()
        try stream.accept(10)
        #expect(throws: ClueProtocolError.invalidSequencing(expected: 11, got: 3)) { try stream.accept(3) }
        #expect(stream.lastReceived == 10)
    }

    /// A gap is 402, and the stream resynchronizes on the number after the gap.
    @Test func gapIsInvalidSequencingThenResynchronizes() throws {
        var stream = IncomingSequenceNumbers()
        try stream.accept(10)
        #expect(throws: ClueProtocolError.invalidSequencing(expected: 11, got: 13)) { try stream.accept(13) }
        try stream.accept(14)
        #expect(stream.lastReceived == 14)
    }

    /// Each message type belongs to the stream of the role that sends it (RFC 8847 section 5).
    @Test func messageTypesBelongToStreams() {
        let header = MessageHeader(sequenceNumber: 1)
        let messages: [(ClueMessage, SequenceStream)] = [
            (.options(OptionsMessage(header: header, mediaProvider: true, mediaConsumer: true)), .initiation),
            (.optionsResponse(OptionsResponseMessage(header: header, status: ResponseCode.success.status)),
             .initiation),
            (.advertisement(AdvertisementMessage(header: header, advertisement: Fixture.advertisement(scene: "CS1"))),
             .mediaProvider),
            (.configureResponse(ConfigureResponseMessage(header: header, status: ResponseCode.success.status,
                                                         configureSequenceNumber: 1)), .mediaProvider),
            (.ack(AckMessage(header: header, status: ResponseCode.success.status, advertisementSequenceNumber: 1)),
             .mediaConsumer),
            (.configure(ConfigureMessage(header: header, advertisementSequenceNumber: 1)), .mediaConsumer),
        ]
        for (message, stream) in messages {
            #expect(message.sequenceStream == stream, "\(message.elementName)")
        }
    }

    /// Random starting points come from the caller's generator, so the same seed gives the same numbers.
    @Test func randomStartsUseCallersGenerator() {
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        let a = InitialSequenceNumbers.random(using: &first)
        let b = InitialSequenceNumbers.random(using: &second)
        #expect(a == b)
        for value in [a.initiation, a.mediaProvider, a.mediaConsumer] {
            #expect((1...UInt64(UInt32.max)).contains(value))
        }
    }
}
