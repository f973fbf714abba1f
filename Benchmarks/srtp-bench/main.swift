import Foundation
import MediaSecurity
import SecureTransport

// Nanoseconds per SRTP protect and unprotect of one video-sized RTP packet (12-byte header, 1200-byte payload) on
// one core, for each profile on OpenSSL's EVP interface and on the AES-NI code. Best of several runs; pin it with
// taskset. Unprotect times include copying the protected packet into the work buffer (printed on its own).
//
//   srtp-bench [--packets N] [--repeats R] [--payload BYTES]

func option(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    return Int(arguments[index + 1]) ?? value
}

let packets = option("--packets", default: 200_000)
let repeats = option("--repeats", default: 7)
let payloadLength = option("--payload", default: 1200)
/// Protected packets the unprotect runs cycle through: more than the replay window cannot see twice per receiver.
let batch = 512

func header(sequence: UInt16) -> [UInt8] {
    [0x80, 96, UInt8(sequence >> 8), UInt8(sequence & 0xff), 0, 0, 0x10, 0, 0xB0, 0, 0, 1]
}

func key(_ profile: SRTPProtectionProfile) -> SRTPMasterKey {
    SRTPMasterKey(key: (0..<profile.masterKeyLength).map { UInt8($0) &* 7 },
                  salt: (0..<profile.masterSaltLength).map { UInt8($0) &+ 0x40 })
}

/// The best of `repeats` runs of `body` over `count` operations, in ns per operation.
@MainActor func best(count: Int, _ body: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(count))
    }
    return fastest
}

let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 64)
let payload = (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 &* 31) }

@MainActor func measure(_ profile: SRTPProtectionProfile, _ implementation: SRTPCipherImplementation) throws
    -> (protect: Double, protectOutOfPlace: Double, unprotect: Double) {
    let sender = try SRTPSender(key: key(profile), profile: profile, implementation: implementation)
    let length = 12 + payloadLength
    var sequence: UInt16 = 0
    // In place: the payload is encrypted again each time, which costs the same.
    buffer.copyBytes(from: header(sequence: 0) + payload)
    let protect = try best(count: packets) {
        for _ in 0..<packets {
            sequence &+= 1
            buffer[2] = UInt8(sequence >> 8)
            buffer[3] = UInt8(sequence & 0xff)
            _ = try sender.protectRTP(buffer, length: length)
        }
    }
    let protectOutOfPlace = try payload.withUnsafeBytes { source in
        try best(count: packets) {
            for _ in 0..<packets {
                sequence &+= 1
                buffer[2] = UInt8(sequence >> 8)
                buffer[3] = UInt8(sequence & 0xff)
                _ = try sender.protectRTP(buffer, length: length, payloadFrom: source.baseAddress!)
            }
        }
    }
    let reference = try SRTPSender(key: key(profile), profile: profile, implementation: .evp)
    let protected = try (0..<batch).map { try reference.protectRTP(header(sequence: UInt16($0)) + payload) }
    let rounds = packets / batch
    let unprotect = try best(count: rounds * batch) {
        for _ in 0..<rounds {
            let receiver = try SRTPReceiver(key: key(profile), profile: profile, implementation: implementation)
            for packet in protected {
                packet.withUnsafeBytes { buffer.copyMemory(from: $0) }
                _ = try receiver.unprotectRTP(buffer, length: packet.count)
            }
        }
    }
    return (protect, protectOutOfPlace, unprotect)
}

let copy = best(count: (packets / batch) * batch) {
    let source = [UInt8](repeating: 1, count: 12 + payloadLength + 16)
    for _ in 0..<(packets / batch * batch) { source.withUnsafeBytes { buffer.copyMemory(from: $0) } }
}

print("SRTP, \(payloadLength)-byte payload, ns per packet (best of \(repeats) runs of \(packets)); "
      + "AES-NI available: \(SRTPCipherImplementation.preferred == .aesNI)")
print("profile                  implementation   protect  protect(out-of-place)  unprotect(incl. copy)")
for profile: SRTPProtectionProfile in [.aeadAES128GCM, .aeadAES256GCM, .aes128CMHMACSHA1_80] {
    for implementation: SRTPCipherImplementation in [.evp, .aesNI] {
        let result = try measure(profile, implementation)
        func column(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        print(column("\(profile)", 25) + column("\(implementation)", 15)
              + String(format: "%9.0f  %21.0f  %21.0f", result.protect, result.protectOutOfPlace, result.unprotect))
    }
}
print(String(format: "copying a protected packet into the buffer: %.0f ns", copy))
