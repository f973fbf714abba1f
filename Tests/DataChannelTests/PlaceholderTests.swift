import Testing
@testable import DataChannel

@Test func placeholderBuilds() { #expect(Bool(true)) }
