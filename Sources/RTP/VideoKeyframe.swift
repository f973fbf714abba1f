/// Recognises the packet that starts a keyframe, so that a switched stream can resume at a picture the receiver can
/// decode. Reads the RTP payload in place; allocates nothing.
public enum VideoKeyframe {
    /// A VP8 payload (RFC 7741 section 4.2 payload descriptor, then the VP8 payload header of section 4.3) that
    /// starts a key frame: S=1 and PID=0 in the descriptor, and the frame tag's P bit (inverse key frame flag) 0
    /// followed by the key frame start code 9D 01 2A (RFC 6386 section 9.1).
    ///
    ///      0 1 2 3 4 5 6 7
    ///     +-+-+-+-+-+-+-+-+
    ///     |X|R|N|S|R| PID | (REQUIRED)
    ///     +-+-+-+-+-+-+-+-+
    /// X:  |I|L|T|K| RSV   | (OPTIONAL)
    ///     +-+-+-+-+-+-+-+-+
    /// I:  |M| PictureID   | (OPTIONAL, a second octet when M=1)
    ///     +-+-+-+-+-+-+-+-+
    /// L:  |   TL0PICIDX   | (OPTIONAL)
    ///     +-+-+-+-+-+-+-+-+
    /// T/K:|TID|Y| KEYIDX  | (OPTIONAL)
    ///     +-+-+-+-+-+-+-+-+
    ///     |Size0|H| VER |P|  VP8 payload header (first packet of a frame)
    ///     +-+-+-+-+-+-+-+-+
    public static func isVP8Keyframe(_ payload: UnsafeRawBufferPointer) -> Bool {
        guard let descriptor = payload.first else { return false }
        guard descriptor & 0x10 != 0, descriptor & 0x07 == 0 else { return false }  // S=1, PID=0
        var offset = 1
        if descriptor & 0x80 != 0 {
            guard payload.count > offset else { return false }
            let extended = payload[offset]
            offset += 1
            if extended & 0x80 != 0 {  // I: PictureID, two octets when M=1
                guard payload.count > offset else { return false }
                offset += payload[offset] & 0x80 != 0 ? 2 : 1
            }
            if extended & 0x40 != 0 { offset += 1 }  // L: TL0PICIDX
            if extended & 0x30 != 0 { offset += 1 }  // T or K: TID/Y/KEYIDX
        }
        // The key frame header: 3-byte frame tag, then the start code.
        guard payload.count >= offset + 6 else { return false }
        return payload[offset] & 0x01 == 0 && payload[offset + 3] == 0x9D && payload[offset + 4] == 0x01
            && payload[offset + 5] == 0x2A
    }

    /// NAL unit types of H.264 (RFC 6184 section 5.4, ITU-T H.264 table 7-1).
    public static let h264IDR: UInt8 = 5
    public static let h264SequenceParameterSet: UInt8 = 7
    public static let h264STAPA: UInt8 = 24
    public static let h264FUA: UInt8 = 28

    /// An H.264 payload (RFC 6184, non-interleaved mode) that starts a keyframe: a single NAL unit (section 5.6),
    /// an aggregated NAL unit in a STAP-A (section 5.7.1) or the start fragment of an FU-A (section 5.8) of type 5
    /// (IDR slice) or 7 (sequence parameter set, which encoders send just before an IDR).
    ///
    ///     +---------------+
    ///     |0|1|2|3|4|5|6|7|
    ///     +-+-+-+-+-+-+-+-+
    ///     |F|NRI|  Type   |   NAL unit header; FU-A: FU indicator, then the FU header |S|E|R|  Type   |
    ///     +---------------+
    public static func isH264Keyframe(_ payload: UnsafeRawBufferPointer) -> Bool {
        guard let header = payload.first else { return false }
        let type = header & 0x1F
        switch type {
        case h264STAPA:
            var offset = 1
            while offset + 2 < payload.count {
                let size = Int(payload[offset]) << 8 | Int(payload[offset + 1])
                guard size > 0, offset + 2 + size <= payload.count else { return false }
                if isKeyframeNAL(payload[offset + 2] & 0x1F) { return true }
                offset += 2 + size
            }
            return false
        case h264FUA:
            guard payload.count >= 2 else { return false }
            let fragment = payload[1]
            return fragment & 0x80 != 0 && isKeyframeNAL(fragment & 0x1F)
        default:
            return isKeyframeNAL(type)
        }
    }

    private static func isKeyframeNAL(_ type: UInt8) -> Bool {
        type == h264IDR || type == h264SequenceParameterSet
    }
}
