import Testing
@testable import Conference

@Test func conferenceModuleBuilds() { #expect(Bool(true)) }
