import Testing
@testable import Media

@Test func mediaModuleBuilds() { #expect(Bool(true)) }
