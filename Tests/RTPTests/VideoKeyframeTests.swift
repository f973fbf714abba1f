import Testing
@testable import RTP

private func isVP8Keyframe(_ payload: [UInt8]) -> Bool { payload.withUnsafeBytes { VideoKeyframe.isVP8Keyframe($0) } }
private func isH264Keyframe(_ payload: [UInt8]) -> Bool { payload.withUnsafeBytes { VideoKeyframe.isH264Keyframe($0) } }

/// A VP8 key frame header: frame tag (P=0, show_frame, first partition size), start code, 640x480.
private let vp8KeyframeHeader: [UInt8] = [0xB0, 0x0C, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01, 0x39, 0x6B]
/// An interframe tag: P=1.
private let vp8InterframeHeader: [UInt8] = [0x31, 0x05, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55]

/// aiortc's VP8 descriptor (X=1, I=1 with a 15-bit PictureID) and Chrome's (I, L and T too) before a key frame
/// start are recognised; interframes and continuation packets are not (RFC 7741 section 4.2).
@Test func recognisesVP8Keyframes() {
    let aiortc: [UInt8] = [0x90, 0x80, 0x80 | 0x12, 0x34]
    let chrome: [UInt8] = [0x90, 0xE0, 0x80 | 0x7F, 0xFF, 0x05, 0x20]
    let minimal: [UInt8] = [0x10]
    for descriptor in [aiortc, chrome, minimal] {
        #expect(isVP8Keyframe(descriptor + vp8KeyframeHeader))
        #expect(!isVP8Keyframe(descriptor + vp8InterframeHeader))
    }
    // Not the start of a partition (S=0), or a later partition (PID=1).
    #expect(!isVP8Keyframe([0x80, 0x80, 0x92, 0x34] + vp8KeyframeHeader))
    #expect(!isVP8Keyframe([0x91, 0x80, 0x92, 0x34] + vp8KeyframeHeader))
    // Seven-bit PictureID (M=0).
    #expect(isVP8Keyframe([0x90, 0x80, 0x12] + vp8KeyframeHeader))
    // Truncated anywhere: never a keyframe, never a crash.
    let full = aiortc + vp8KeyframeHeader
    for length in 0..<10 { #expect(!isVP8Keyframe(Array(full.prefix(length)))) }
}

/// H.264 IDR and SPS are recognised alone, aggregated in a STAP-A and at the start of an FU-A (RFC 6184 5.6-5.8).
@Test func recognisesH264Keyframes() {
    let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1F, 0xDA, 0x01, 0x40, 0x16, 0xE8, 0x40]
    let pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]
    let idr: [UInt8] = [0x65, 0x88, 0x84, 0x00, 0x33]
    let slice: [UInt8] = [0x41, 0x9A, 0x02, 0x10, 0x20]
    #expect(isH264Keyframe(idr) && isH264Keyframe(sps))
    #expect(!isH264Keyframe(slice) && !isH264Keyframe(pps))

    func stapA(_ units: [[UInt8]]) -> [UInt8] {
        [0x78] + units.flatMap { bigEndian(UInt16($0.count)) + $0 }
    }
    #expect(isH264Keyframe(stapA([sps, pps, idr])))
    #expect(isH264Keyframe(stapA([pps, idr])))
    #expect(!isH264Keyframe(stapA([pps, slice])))
    #expect(!isH264Keyframe([0x78, 0x00, 0x40] + sps))  // a size that overruns the packet

    let fuIndicator: UInt8 = 0x7C
    #expect(isH264Keyframe([fuIndicator, 0x85] + idr.dropFirst()))  // S=1, type 5
    #expect(!isH264Keyframe([fuIndicator, 0x05] + idr.dropFirst()))  // middle fragment
    #expect(!isH264Keyframe([fuIndicator, 0x45] + idr.dropFirst()))  // end fragment
    #expect(!isH264Keyframe([fuIndicator, 0x81] + slice.dropFirst()))  // start of a non-IDR slice
    #expect(!isH264Keyframe([]) && !isH264Keyframe([fuIndicator]))
}
