/// One whole encoded frame reassembled from RTP payloads: a VP8 frame, or an H.264 access unit in Annex-B with
/// 4-byte start codes. `data` is valid only inside the callback that receives it.
public struct DepacketizedVideoFrame {
    public var data: UnsafeRawBufferPointer
    public var timestamp: UInt32
    public var isKeyframe: Bool
}

/// Counters of one `VideoDepacketizer`, cumulative.
public struct VideoDepacketizerStatistics: Sendable, Hashable {
    /// Frames handed to the caller.
    public var framesDelivered = 0
    /// Frames given up: incomplete after a loss, malformed, or not a keyframe while one was awaited.
    public var framesDropped = 0
    /// Payloads that are not valid for the codec (truncated descriptors, STAP-A sizes that overrun, FU-B, ...).
    public var packetsRejected = 0
    /// Duplicates and packets older than the last frame handed out.
    public var packetsDiscarded = 0
    /// Times packets were declared lost (a gap not filled within the reorder window, or a jump in sequence).
    public var losses = 0

    public init() {}
}

/// Reassembles whole encoded frames from one source's RTP payloads: VP8 (RFC 7741) or H.264 packetization-mode 1
/// (RFC 6184: single NAL unit, STAP-A, FU-A; output in Annex-B).
///
/// Packets may arrive out of order: they are kept by sequence number until their frame is complete (from its
/// first packet, VP8's S=1/PID=0 or for H.264 the packet after a timestamp change, to the marker bit or the
/// packet before the next timestamp) and every frame before it has been handed out. A gap that stays open
/// while `reorderWindow` newer packets arrive is loss: what was incomplete is dropped, and since the frames after
/// it reference pictures the decoder never got, frames are dropped until the next keyframe. A complete keyframe
/// is handed out at once, whatever is still missing before it. `push` says when a keyframe is needed, so that the
/// caller can send PLI (and throttle it).
///
/// Pure: no clock, no I/O. Buffers are reused, so a steady stream allocates nothing. Not thread-safe.
public struct VideoDepacketizer {
    public let codec: VideoCodec
    /// Newer packets that may arrive before a missing one is declared lost.
    public let reorderWindow: Int
    public private(set) var statistics = VideoDepacketizerStatistics()
    /// True until the first keyframe and again after every loss until the next one.
    public private(set) var isWaitingForKeyframe = true

    /// The most packets held at once (a power of two, for the ring index); covers a 1080p keyframe.
    static let capacity = 1_024

    private struct Slot {
        var occupied = false
        var sequenceNumber: UInt16 = 0
        var timestamp: UInt32 = 0
        var marker = false
        /// The payload says for certain that a frame starts here (VP8 S=1/PID=0; H.264 SPS or AUD first).
        var startsFrame = false
        /// VP8: the frame tag says key frame (meaningful on a frame's first packet). H.264: carries (the start of)
        /// an IDR slice.
        var isKeyframe = false
        /// VP8: the data after the descriptor. H.264: the whole payload, checked at insertion.
        var data: [UInt8] = []
    }

    private struct Span {
        var first: UInt16
        var last: UInt16
        var isKeyframe: Bool
    }

    private var slots = [Slot](repeating: Slot(), count: capacity)
    /// The last sequence number of the last frame handed out or given up.
    private var lastCompleted: UInt16?
    /// Whether any frame has been handed out or given up (until then the start may still move back).
    private var hasCompleted = false
    private var newest: UInt16 = 0
    private var output: [UInt8] = []

    public init(codec: VideoCodec, reorderWindow: Int = 32) {
        self.codec = codec
        self.reorderWindow = max(1, min(reorderWindow, Self.capacity / 2))
    }

    /// Takes one RTP packet's payload. Calls `onFrame` for each frame it completes, oldest first; returns true
    /// when a frame was dropped or a loss declared, i.e. when a keyframe should be requested.
    @discardableResult
    public mutating func push(payload: UnsafeRawBufferPointer, sequenceNumber: UInt16, timestamp: UInt32,
                              marker: Bool, onFrame: (DepacketizedVideoFrame) -> Void) -> Bool {
        guard let inspected = inspect(payload) else {
            statistics.packetsRejected += 1
            return false
        }
        var keyframeNeeded = false
        if lastCompleted == nil {
            lastCompleted = sequenceNumber &- 1
            newest = sequenceNumber
        }
        var ahead = distance(from: lastCompleted!, to: sequenceNumber)
        if ahead <= 0, !hasCompleted, distance(from: sequenceNumber, to: newest) < Self.capacity / 2 {
            // Nothing handed out yet: a packet that overtook the stream's first ones moves the start back.
            lastCompleted = sequenceNumber &- 1
            ahead = 1
        }
        if ahead <= 0 {
            statistics.packetsDiscarded += 1
            return false
        }
        if ahead >= Self.capacity {
            // Too far ahead to hold alongside what is pending: start over from this packet.
            clear(after: lastCompleted!, through: newest)
            lastCompleted = sequenceNumber &- 1
            newest = sequenceNumber
            statistics.losses += 1
            isWaitingForKeyframe = true
            keyframeNeeded = true
        }
        let index = Int(sequenceNumber) & (Self.capacity - 1)
        if slots[index].occupied {
            statistics.packetsDiscarded += 1
            return keyframeNeeded
        }
        slots[index].occupied = true
        slots[index].sequenceNumber = sequenceNumber
        slots[index].timestamp = timestamp
        slots[index].marker = marker
        slots[index].startsFrame = inspected.startsFrame
        slots[index].isKeyframe = inspected.isKeyframe
        Self.store(payload, codec: codec, into: &slots[index].data)
        if distance(from: newest, to: sequenceNumber) > 0 { newest = sequenceNumber }

        if drain(onFrame: onFrame) { keyframeNeeded = true }
        return keyframeNeeded
    }

    /// Takes one payload given as an array; returns the frames completed (tests and tools).
    public mutating func push(payload: [UInt8], sequenceNumber: UInt16, timestamp: UInt32, marker: Bool)
        -> (frames: [(data: [UInt8], isKeyframe: Bool)], keyframeNeeded: Bool) {
        var frames: [(data: [UInt8], isKeyframe: Bool)] = []
        let needed = payload.withUnsafeBytes { bytes in
            push(payload: bytes, sequenceNumber: sequenceNumber, timestamp: timestamp, marker: marker) { frame in
                frames.append((Array(frame.data), frame.isKeyframe))
            }
        }
        return (frames, needed)
    }

    // MARK: - Codec-specific reading

    /// Checks a payload and reads what assembly needs from it; nil when it is not valid for the codec.
    private func inspect(_ payload: UnsafeRawBufferPointer) -> Slot? {
        var slot = Slot()
        switch codec {
        case .vp8:
            guard let descriptor = VP8PayloadDescriptor(payload) else { return nil }
            slot.startsFrame = descriptor.startsFrame
            if descriptor.startsFrame {
                let data = UnsafeRawBufferPointer(rebasing: payload[descriptor.serializedLength...])
                slot.isKeyframe = VP8PayloadDescriptor.isKeyframe(vp8Data: data)
            }
        case .h264:
            guard let header = payload.first else { return nil }
            let type = header & H264NAL.typeMask
            switch type {
            case 1...23:
                slot.startsFrame = Self.startsAccessUnit(type)
                slot.isKeyframe = type == H264NAL.idr
            case H264NAL.stapA:
                // Section 5.7.1: 16-bit sizes, each unit non-empty, nothing left over.
                var offset = 1
                var first = true
                while offset < payload.count {
                    guard offset + 2 <= payload.count else { return nil }
                    let size = Int(payload[offset]) << 8 | Int(payload[offset + 1])
                    guard size > 0, offset + 2 + size <= payload.count else { return nil }
                    let unitType = payload[offset + 2] & H264NAL.typeMask
                    guard (1...23).contains(unitType) else { return nil }
                    if first { slot.startsFrame = Self.startsAccessUnit(unitType) }
                    if unitType == H264NAL.idr { slot.isKeyframe = true }
                    first = false
                    offset += 2 + size
                }
                guard !first else { return nil }
            case H264NAL.fuA:
                // Section 5.8: indicator, header, at least one octet; S and E never both set.
                guard payload.count >= 3 else { return nil }
                let fragment = payload[1]
                let unitType = fragment & H264NAL.typeMask
                guard (1...23).contains(unitType),
                      fragment & (H264NAL.fuStartBit | H264NAL.fuEndBit) != (H264NAL.fuStartBit | H264NAL.fuEndBit)
                else { return nil }
                if fragment & H264NAL.fuStartBit != 0 {
                    slot.startsFrame = Self.startsAccessUnit(unitType)
                    slot.isKeyframe = unitType == H264NAL.idr
                }
            default:
                // 0 and 30-31 are undefined; STAP-B, MTAP and FU-B belong to the interleaved mode only.
                return nil
            }
        }
        return slot
    }

    /// NAL units that can only open an access unit (H.264 section 7.4.1.2.3): AUD, or SPS (libx264 puts it first).
    private static func startsAccessUnit(_ type: UInt8) -> Bool {
        type == H264NAL.accessUnitDelimiter || type == H264NAL.sequenceParameterSet
    }

    private static func store(_ payload: UnsafeRawBufferPointer, codec: VideoCodec, into data: inout [UInt8]) {
        data.removeAll(keepingCapacity: true)
        switch codec {
        case .vp8:
            // inspect() has parsed it, so the descriptor is whole.
            let length = VP8PayloadDescriptor(payload)!.serializedLength
            data.append(contentsOf: payload[length...])
        case .h264:
            data.append(contentsOf: payload)
        }
    }

    // MARK: - Frame boundaries

    private func slot(_ sequenceNumber: UInt16) -> Slot? {
        let slot = slots[Int(sequenceNumber) & (Self.capacity - 1)]
        return slot.occupied && slot.sequenceNumber == sequenceNumber ? slot : nil
    }

    private func isFrameStart(_ sequenceNumber: UInt16) -> Bool {
        guard let slot = slot(sequenceNumber) else { return false }
        switch codec {
        case .vp8:
            return slot.startsFrame
        case .h264:
            if slot.startsFrame || (hasCompleted && sequenceNumber == lastCompleted! &+ 1) { return true }
            guard let previous = self.slot(sequenceNumber &- 1) else { return false }
            return previous.timestamp != slot.timestamp
        }
    }

    /// The frame that starts at `first`, if every packet of it is here.
    private func completeFrame(startingAt first: UInt16) -> Span? {
        guard isFrameStart(first), let head = slot(first) else { return nil }
        var last = first
        var current = head
        var isKeyframe = head.isKeyframe
        while !current.marker {
            guard distance(from: last, to: newest) > 0, let next = slot(last &+ 1) else { return nil }
            if next.timestamp != head.timestamp { break }  // the sender set no marker: the timestamp ends the frame
            last = last &+ 1
            current = next
            if codec == .h264, next.isKeyframe { isKeyframe = true }
        }
        return Span(first: first, last: last, isKeyframe: isKeyframe)
    }

    /// Hands out or gives up frames in order for as long as possible; true when one was dropped or a loss declared.
    private mutating func drain(onFrame: (DepacketizedVideoFrame) -> Void) -> Bool {
        var keyframeNeeded = false
        while let last = lastCompleted, distance(from: last, to: newest) > 0 {
            let next = last &+ 1
            if let span = completeFrame(startingAt: next) {
                if finish(span, onFrame: onFrame) { keyframeNeeded = true }
                continue
            }
            // Something before the next frame is still missing. Look for a complete frame behind the gap.
            var candidate: Span?
            var probe = next &+ 1
            while distance(from: probe, to: newest) >= 0 {
                if let span = completeFrame(startingAt: probe) {
                    candidate = span
                    break
                }
                probe = probe &+ 1
            }
            guard let span = candidate else { break }
            guard span.isKeyframe || distance(from: next, to: newest) >= reorderWindow else { break }
            // The gap is loss (or no longer matters: a keyframe follows it).
            clear(after: last, through: span.first &- 1)
            lastCompleted = span.first &- 1
            statistics.losses += 1
            if !span.isKeyframe {
                isWaitingForKeyframe = true
                keyframeNeeded = true
            }
            if finish(span, onFrame: onFrame) { keyframeNeeded = true }
        }
        return keyframeNeeded
    }

    /// Assembles a complete frame and hands it out, or drops it; true when it was dropped.
    private mutating func finish(_ span: Span, onFrame: (DepacketizedVideoFrame) -> Void) -> Bool {
        let timestamp = slot(span.first)!.timestamp
        let assembled = assemble(span)
        clear(after: lastCompleted!, through: span.last)
        lastCompleted = span.last
        hasCompleted = true
        guard assembled, span.isKeyframe || !isWaitingForKeyframe else {
            statistics.framesDropped += 1
            isWaitingForKeyframe = true
            return true
        }
        isWaitingForKeyframe = false
        statistics.framesDelivered += 1
        output.withUnsafeBytes { data in
            onFrame(DepacketizedVideoFrame(data: data, timestamp: timestamp, isKeyframe: span.isKeyframe))
        }
        return false
    }

    /// Writes the frame into `output`; false when its packets do not make a well-formed frame.
    private mutating func assemble(_ span: Span) -> Bool {
        output.removeAll(keepingCapacity: true)
        var sequenceNumber = span.first
        // H.264: the type of the FU-A being joined, if one is open.
        var openFragment: UInt8?
        while true {
            let index = Int(sequenceNumber) & (Self.capacity - 1)
            let data = slots[index].data
            switch codec {
            case .vp8:
                output.append(contentsOf: data)
            case .h264:
                let type = data[0] & H264NAL.typeMask
                switch type {
                case H264NAL.stapA:
                    guard openFragment == nil else { return false }
                    var offset = 1
                    while offset < data.count {
                        let size = Int(data[offset]) << 8 | Int(data[offset + 1])
                        output.append(contentsOf: H264NAL.startCode)
                        output.append(contentsOf: data[(offset + 2)..<(offset + 2 + size)])
                        offset += 2 + size
                    }
                case H264NAL.fuA:
                    let fragment = data[1]
                    let unitType = fragment & H264NAL.typeMask
                    if fragment & H264NAL.fuStartBit != 0 {
                        guard openFragment == nil else { return false }
                        output.append(contentsOf: H264NAL.startCode)
                        output.append(data[0] & H264NAL.forbiddenAndPriorityMask | unitType)
                        openFragment = unitType
                    } else {
                        guard openFragment == unitType else { return false }
                    }
                    output.append(contentsOf: data[2...])
                    if fragment & H264NAL.fuEndBit != 0 { openFragment = nil }
                default:
                    guard openFragment == nil else { return false }
                    output.append(contentsOf: H264NAL.startCode)
                    output.append(contentsOf: data)
                }
            }
            guard output.count <= VideoDecoder.maximumFrameBytes else { return false }
            if sequenceNumber == span.last { break }
            sequenceNumber = sequenceNumber &+ 1
        }
        return openFragment == nil && !output.isEmpty
    }

    /// Frees the slots of sequence numbers in (after, through].
    private mutating func clear(after start: UInt16, through end: UInt16) {
        var sequenceNumber = start &+ 1
        let count = distance(from: start, to: end)
        guard count > 0 else { return }
        for _ in 0..<min(count, Self.capacity) {
            let index = Int(sequenceNumber) & (Self.capacity - 1)
            if slots[index].sequenceNumber == sequenceNumber { slots[index].occupied = false }
            sequenceNumber = sequenceNumber &+ 1
        }
    }

    /// Signed distance between sequence numbers, modulo 2^16 (RFC 3550 appendix A.1).
    private func distance(from: UInt16, to: UInt16) -> Int {
        Int(Int16(bitPattern: to &- from))
    }
}
