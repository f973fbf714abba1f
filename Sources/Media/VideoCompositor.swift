internal import CFFmpeg

/// Counters of one `VideoCompositor`, cumulative.
public struct VideoCompositorStatistics: Sendable, Hashable {
    /// `compose()` calls.
    public var framesComposed = 0
    /// Tiles scaled onto the canvas (a tile whose source has no new picture is left as it is).
    public var tilesScaled = 0
    /// libswscale contexts made: one per (source size, format) -> tile size, kept while in use.
    public var scalersCreated = 0
    /// Pictures libswscale could not convert (an unknown pixel format); their tiles show black.
    public var scaleErrors = 0

    public init() {}
}

/// Lays out sources' latest pictures as tiles on one canvas (a composed capture, RFC 8845 section 7.3.1), for an
/// encoder to encode once for every receiver of that layout.
///
/// The caller gives the tile order (`setTiles`, e.g. the latest speakers first; a nil entry is an empty tile) and
/// each source's decoded pictures as they come (`update`); `compose()` draws the canvas. Each picture is scaled by
/// libswscale straight into its tile's part of the canvas planes, keeping its aspect ratio with black bars; a tile
/// whose source has no picture yet is black. A tile is redrawn only when its source has a new picture or the
/// layout changed. Scaling contexts are cached per (source size, format) -> tile size and freed when no tile uses
/// them any more, e.g. after a source changed resolution.
///
/// Owns its canvas and scaling contexts (freed in `deinit`). Not thread-safe: one compositor per layout, used on
/// one queue.
public final class VideoCompositor<SourceID: Hashable & Sendable> {
    public let width: Int
    public let height: Int
    /// The tiles in reading order; the layout follows their count (`VideoLayout`).
    public private(set) var tiles: [SourceID?] = []
    public private(set) var statistics = VideoCompositorStatistics()

    private let canvas: VideoFrame
    /// Each source's latest picture, with a stamp that changes at every update.
    private var pictures: [SourceID: (frame: VideoFrame, stamp: UInt64)] = [:]
    private var nextStamp: UInt64 = 0
    private var rectangles: [VideoRectangle] = []
    /// What each tile shows on the canvas now.
    private var drawn: [Drawn] = []
    private var needsClear = true
    private var scalers: [Scaler] = []
    /// Plane pointers and strides handed to sws_scale, allocated once.
    private let sourcePlanes = UnsafeMutablePointer<UnsafePointer<UInt8>?>.allocate(capacity: 4)
    private let sourceStrides = UnsafeMutablePointer<Int32>.allocate(capacity: 4)
    private let targetPlanes = UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>.allocate(capacity: 4)
    private let targetStrides = UnsafeMutablePointer<Int32>.allocate(capacity: 4)

    private enum Drawn: Equatable {
        case nothing
        case black
        case picture(stamp: UInt64, area: VideoRectangle)
    }

    private struct ScalerKey: Equatable {
        var sourceWidth: Int32
        var sourceHeight: Int32
        var sourceFormat: Int32
        var width: Int
        var height: Int
    }

    private struct Scaler {
        var key: ScalerKey
        var context: OpaquePointer
        var used: Bool
    }

    /// A black canvas of the given size (even; 1280x720 by default).
    public init(width: Int = 1280, height: Int = 720) throws(VideoCodecError) {
        self.width = width
        self.height = height
        canvas = try VideoFrame(width: width, height: height)
        sourcePlanes.initialize(repeating: nil, count: 4)
        sourceStrides.initialize(repeating: 0, count: 4)
        targetPlanes.initialize(repeating: nil, count: 4)
        targetStrides.initialize(repeating: 0, count: 4)
        setTiles([nil])
    }

    deinit {
        for scaler in scalers { sws_freeContext(scaler.context) }
        sourcePlanes.deallocate()
        sourceStrides.deallocate()
        targetPlanes.deallocate()
        targetStrides.deallocate()
    }

    /// Scaling contexts currently cached.
    public var scalerCount: Int { scalers.count }

    /// Sets the tiles in reading order (at most `VideoLayout.maximumTiles`; more are ignored). A source may have no
    /// picture yet; nil is an empty tile. Only a change of count changes the layout and blanks the canvas.
    public func setTiles(_ sources: [SourceID?]) {
        let sources = Array(sources.prefix(VideoLayout.maximumTiles))
        let count = max(1, sources.count)
        if count != rectangles.count {
            rectangles = VideoLayout.tiles(count: count, width: width, height: height)
            drawn = Array(repeating: .nothing, count: count)
            needsClear = true
        } else {
            // Same layout: a tile that now shows another source is redrawn.
            for index in sources.indices where sources[index] != tiles[safe: index] ?? nil {
                drawn[index] = .nothing
            }
        }
        tiles = sources.isEmpty ? [nil] : sources
    }

    /// The source's latest decoded picture (any size and pixel format libswscale reads); it is kept, not copied,
    /// until the next one replaces it.
    public func update(_ source: SourceID, with picture: VideoFrame) {
        nextStamp += 1
        pictures[source] = (picture, nextStamp)
    }

    /// Forgets a source's picture (it left, or its stream stopped): its tile turns black.
    public func removePicture(of source: SourceID) {
        pictures[source] = nil
    }

    /// Draws the canvas and returns it. The same frame is returned every time and redrawn in place, so encode it
    /// (or copy it) before the next call; an encoder still holding it makes the next call copy it first.
    public func compose() throws(VideoCodecError) -> VideoFrame {
        guard let frame = canvas.frame else { throw .setupFailed(0) }
        let writable = av_frame_make_writable(frame)
        guard writable >= 0 else { throw .setupFailed(writable) }
        if needsClear {
            canvas.fill(VideoRectangle(x: 0, y: 0, width: width, height: height), with: .black)
            needsClear = false
        }
        for index in scalers.indices { scalers[index].used = false }
        for (index, source) in tiles.enumerated() {
            let tile = rectangles[index]
            guard let source, let entry = pictures[source] else {
                if drawn[index] != .black {
                    canvas.fill(tile, with: .black)
                    drawn[index] = .black
                }
                continue
            }
            let (picture, stamp) = entry
            let area = VideoLayout.fit(width: picture.width, height: picture.height, in: tile)
            guard let scaler = scaler(from: picture, to: area) else {
                statistics.scaleErrors += 1
                canvas.fill(tile, with: .black)
                drawn[index] = .black
                continue
            }
            if drawn[index] == .picture(stamp: stamp, area: area) { continue }
            if case .picture(_, let previous) = drawn[index], previous == area {
                // Same area: the new picture covers the old one entirely.
            } else {
                canvas.fill(tile, with: .black)
            }
            scale(picture, with: scaler, into: area, of: frame)
            drawn[index] = .picture(stamp: stamp, area: area)
            statistics.tilesScaled += 1
        }
        for scaler in scalers where !scaler.used { sws_freeContext(scaler.context) }
        scalers.removeAll { !$0.used }
        statistics.framesComposed += 1
        return canvas
    }

    /// The cached context for this picture's size and format to `area`'s size, made if needed; marked used.
    private func scaler(from picture: VideoFrame, to area: VideoRectangle) -> OpaquePointer? {
        guard let source = picture.frame else { return nil }
        let key = ScalerKey(sourceWidth: source.pointee.width, sourceHeight: source.pointee.height,
                            sourceFormat: source.pointee.format, width: area.width, height: area.height)
        if let index = scalers.firstIndex(where: { $0.key == key }) {
            scalers[index].used = true
            return scalers[index].context
        }
        guard let context = sws_getContext(key.sourceWidth, key.sourceHeight, AVPixelFormat(rawValue: key.sourceFormat),
                                           Int32(key.width), Int32(key.height), AV_PIX_FMT_YUV420P,
                                           SWS_BILINEAR, nil, nil, nil) else { return nil }
        scalers.append(Scaler(key: key, context: context, used: true))
        statistics.scalersCreated += 1
        return context
    }

    /// One sws_scale from the picture into the canvas planes at `area` (even x and y, so chroma offsets are whole).
    private func scale(_ picture: VideoFrame, with context: OpaquePointer, into area: VideoRectangle,
                       of target: UnsafeMutablePointer<AVFrame>) {
        guard let source = picture.frame else { return }
        let data = source.pointee.data
        let lines = source.pointee.linesize
        sourcePlanes[0] = UnsafePointer(data.0)
        sourcePlanes[1] = UnsafePointer(data.1)
        sourcePlanes[2] = UnsafePointer(data.2)
        sourcePlanes[3] = UnsafePointer(data.3)
        sourceStrides[0] = lines.0
        sourceStrides[1] = lines.1
        sourceStrides[2] = lines.2
        sourceStrides[3] = lines.3
        let canvasData = target.pointee.data
        let canvasLines = target.pointee.linesize
        targetPlanes[0] = canvasData.0! + area.y * Int(canvasLines.0) + area.x
        targetPlanes[1] = canvasData.1! + area.y / 2 * Int(canvasLines.1) + area.x / 2
        targetPlanes[2] = canvasData.2! + area.y / 2 * Int(canvasLines.2) + area.x / 2
        targetPlanes[3] = nil
        targetStrides[0] = canvasLines.0
        targetStrides[1] = canvasLines.1
        targetStrides[2] = canvasLines.2
        targetStrides[3] = 0
        let rows = sws_scale(context, sourcePlanes, sourceStrides, 0, source.pointee.height, targetPlanes, targetStrides)
        if rows <= 0 { statistics.scaleErrors += 1 }
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
