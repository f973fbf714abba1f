internal import CFFmpeg

/// A colour in the studio-range Y'CbCr of the compositor's YUV420P frames (ITU-R BT.601: Y 16-235, Cb/Cr 16-240).
public struct YCbCr: Sendable, Hashable {
    public var y: UInt8
    public var cb: UInt8
    public var cr: UInt8

    public init(y: UInt8, cb: UInt8, cr: UInt8) {
        self.y = y
        self.cb = cb
        self.cr = cr
    }

    /// Studio-range black: what a tile without a picture and the letterbox bars show.
    public static let black = YCbCr(y: 16, cb: 128, cr: 128)
}

/// A rectangle of pixels in a frame. The compositor keeps every corner and size even so that 4:2:0 chroma lines up.
public struct VideoRectangle: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// One decoded or composed picture: an AVFrame whose planes are reference-counted by libavutil.
///
/// Owns its AVFrame (freed in `deinit`); a decoded frame shares its buffers with the decoder's reference pictures
/// instead of copying them. Not thread-safe.
public final class VideoFrame {
    /// The largest width or height accepted from a decoder or asked of an allocation.
    public static let maximumDimension = 4_096

    var frame: UnsafeMutablePointer<AVFrame>?

    /// A black YUV420P frame of the given size (even, positive, at most `maximumDimension`).
    public init(width: Int, height: Int, colour: YCbCr = .black) throws(VideoCodecError) {
        guard width > 0, height > 0, width % 2 == 0, height % 2 == 0,
              width <= Self.maximumDimension, height <= Self.maximumDimension else {
            throw .invalidSize(width: width, height: height)
        }
        guard let frame = av_frame_alloc() else { throw .setupFailed(0) }
        self.frame = frame
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        frame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        let allocated = av_frame_get_buffer(frame, 0)
        guard allocated >= 0 else { throw .setupFailed(allocated) }
        fill(VideoRectangle(x: 0, y: 0, width: width, height: height), with: colour)
    }

    /// Takes over the references of `source` (left empty), as a decoder hands out what it decoded.
    init?(movingFrom source: UnsafeMutablePointer<AVFrame>) {
        guard let frame = av_frame_alloc() else { return nil }
        av_frame_move_ref(frame, source)
        self.frame = frame
    }

    deinit {
        av_frame_free(&frame)
    }

    public var width: Int { Int(frame!.pointee.width) }
    public var height: Int { Int(frame!.pointee.height) }

    /// Whether the planes are 8-bit 4:2:0 (YUV420P, or its full-range twin that some H.264 streams signal): the
    /// layout `fill` and `averageColour` read. The compositor scales any format libswscale knows.
    public var isPlanar420: Bool {
        let format = frame!.pointee.format
        return format == AV_PIX_FMT_YUV420P.rawValue || format == AV_PIX_FMT_YUVJ420P.rawValue
    }

    /// Paints a rectangle (clipped to the frame; odd edges rounded to the chroma grid) in one colour. Makes the
    /// planes writable first, copying them only if an encoder or another frame still holds them.
    public func fill(_ rectangle: VideoRectangle, with colour: YCbCr) {
        guard let frame, isPlanar420, av_frame_make_writable(frame) >= 0 else { return }
        let x0 = max(0, rectangle.x) & ~1
        let y0 = max(0, rectangle.y) & ~1
        let x1 = min(width, rectangle.x + rectangle.width)
        let y1 = min(height, rectangle.y + rectangle.height)
        guard x1 > x0, y1 > y0 else { return }
        let values = [colour.y, colour.cb, colour.cr]
        withUnsafeMutablePointer(to: &frame.pointee.data) { data in
            withUnsafeMutablePointer(to: &frame.pointee.linesize) { linesize in
                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 3) { planes in
                    linesize.withMemoryRebound(to: Int32.self, capacity: 3) { strides in
                        for plane in 0..<3 {
                            let shift = plane == 0 ? 0 : 1
                            let stride = Int(strides[plane])
                            let left = x0 >> shift
                            let count = ((x1 + shift) >> shift) - left
                            for row in (y0 >> shift)..<((y1 + shift) >> shift) {
                                (planes[plane]! + row * stride + left).update(repeating: values[plane], count: count)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The mean Y, Cb and Cr over a rectangle (clipped to the frame), for tests and diagnostics; nil when the frame
    /// is not 8-bit 4:2:0 or the rectangle holds no pixel.
    public func averageColour(in rectangle: VideoRectangle) -> (y: Double, cb: Double, cr: Double)? {
        guard let frame, isPlanar420 else { return nil }
        let x0 = max(0, rectangle.x) & ~1
        let y0 = max(0, rectangle.y) & ~1
        let x1 = min(width, rectangle.x + rectangle.width) & ~1
        let y1 = min(height, rectangle.y + rectangle.height) & ~1
        guard x1 > x0, y1 > y0 else { return nil }
        var means = [0.0, 0.0, 0.0]
        withUnsafePointer(to: &frame.pointee.data) { data in
            withUnsafePointer(to: &frame.pointee.linesize) { linesize in
                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 3) { planes in
                    linesize.withMemoryRebound(to: Int32.self, capacity: 3) { strides in
                        for plane in 0..<3 {
                            let shift = plane == 0 ? 0 : 1
                            let stride = Int(strides[plane])
                            var sum = 0
                            for row in (y0 >> shift)..<(y1 >> shift) {
                                let line = planes[plane]! + row * stride
                                for column in (x0 >> shift)..<(x1 >> shift) { sum += Int(line[column]) }
                            }
                            let count = ((y1 - y0) >> shift) * ((x1 - x0) >> shift)
                            means[plane] = Double(sum) / Double(count)
                        }
                    }
                }
            }
        }
        return (means[0], means[1], means[2])
    }
}
