import Foundation
import Testing
@testable import Media

/// Colours of studio-range Y'CbCr with distinct components, one per source.
enum Colours {
    static let red = YCbCr(y: 81, cb: 90, cr: 240)
    static let green = YCbCr(y: 145, cb: 54, cr: 34)
    static let blue = YCbCr(y: 41, cb: 240, cr: 110)
    static let grey = YCbCr(y: 128, cb: 128, cr: 128)
}

/// Expects the mean colour of `area` to be `colour` within `tolerance` on each component.
func expectColour(_ frame: VideoFrame, _ area: VideoRectangle, _ colour: YCbCr, tolerance: Double,
                  _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    guard let mean = frame.averageColour(in: area) else {
        Issue.record("no average for \(area) \(comment)", sourceLocation: sourceLocation)
        return
    }
    let ok = abs(mean.y - Double(colour.y)) <= tolerance && abs(mean.cb - Double(colour.cb)) <= tolerance
        && abs(mean.cr - Double(colour.cr)) <= tolerance
    #expect(ok, "\(comment): \(area) has \(mean), expected \(colour)", sourceLocation: sourceLocation)
}

/// The middle of a rectangle, `margin` pixels in from each edge (away from scaled and coded edges).
func inner(_ area: VideoRectangle, margin: Int = 8) -> VideoRectangle {
    VideoRectangle(x: area.x + margin, y: area.y + margin, width: area.width - 2 * margin,
                   height: area.height - 2 * margin)
}

@Suite struct VideoLayoutTests {
    /// 1, 2, 4 and 9 tiles cover the canvas exactly, on even edges; 3 tiles use the 2x2 grid.
    @Test(arguments: [1, 2, 3, 4, 5, 9])
    func tilesCoverCanvas(count: Int) {
        let tiles = VideoLayout.tiles(count: count, width: 1280, height: 720)
        #expect(tiles.count == count)
        #expect(tiles.allSatisfy { $0.x % 2 == 0 && $0.y % 2 == 0 && $0.width % 2 == 0 && $0.height % 2 == 0 })
        let (columns, rows) = VideoLayout.grid(for: count)
        #expect(tiles.allSatisfy { abs($0.width - 1280 / columns) <= 2 && abs($0.height - 720 / rows) <= 2 })
        if count == columns * rows {
            #expect(tiles.map { $0.width * $0.height }.reduce(0, +) == 1280 * 720)
        }
        if count == 2 { #expect(tiles == [VideoRectangle(x: 0, y: 0, width: 640, height: 720),
                                          VideoRectangle(x: 640, y: 0, width: 640, height: 720)]) }
    }

    /// A 4:3 picture in a 16:9 tile is pillarboxed, a 16:9 one in a 4:3 tile letterboxed, centred.
    @Test func fitKeepsAspect() {
        let tile = VideoRectangle(x: 640, y: 360, width: 640, height: 360)
        #expect(VideoLayout.fit(width: 640, height: 480, in: tile) == VideoRectangle(x: 720, y: 360, width: 480, height: 360))
        #expect(VideoLayout.fit(width: 1280, height: 720, in: tile) == tile)
        let square = VideoRectangle(x: 0, y: 0, width: 400, height: 400)
        #expect(VideoLayout.fit(width: 1280, height: 720, in: square) == VideoRectangle(x: 0, y: 88, width: 400, height: 224))
    }
}

@Suite struct VideoCompositorTests {
    /// Four sources of different sizes in a 2x2: each tile shows its colour with black bars where the aspect
    /// differs; a source without a picture is black.
    @Test func composesGridWithLetterboxAndBlack() throws {
        let compositor = try VideoCompositor<String>(width: 1280, height: 720)
        compositor.setTiles(["a", "b", "c", "d"])
        compositor.update("a", with: try VideoFrame(width: 320, height: 240, colour: Colours.red))
        compositor.update("b", with: try VideoFrame(width: 1280, height: 720, colour: Colours.green))
        compositor.update("c", with: try VideoFrame(width: 176, height: 144, colour: Colours.blue))
        let canvas = try compositor.compose()
        let tiles = VideoLayout.tiles(count: 4, width: 1280, height: 720)
        let a = VideoLayout.fit(width: 320, height: 240, in: tiles[0])
        expectColour(canvas, inner(a, margin: 2), Colours.red, tolerance: 1, "a")
        expectColour(canvas, VideoRectangle(x: 0, y: 0, width: a.x, height: 360), .black, tolerance: 0, "a's bar")
        expectColour(canvas, inner(tiles[1], margin: 2), Colours.green, tolerance: 1, "b")
        let c = VideoLayout.fit(width: 176, height: 144, in: tiles[2])
        expectColour(canvas, inner(c, margin: 2), Colours.blue, tolerance: 1, "c")
        expectColour(canvas, tiles[3], .black, tolerance: 0, "d")
        #expect(compositor.scalerCount == 3)
        #expect(compositor.statistics.tilesScaled == 3)
        // Nothing new: nothing is scaled again.
        _ = try compositor.compose()
        #expect(compositor.statistics.tilesScaled == 3)
    }

    /// A source that changes resolution gets a new scaler, the old one is freed, and the bars follow the new aspect.
    @Test func resolutionChangeRebuildsScaler() throws {
        let compositor = try VideoCompositor<Int>(width: 640, height: 360)
        compositor.setTiles([1])
        compositor.update(1, with: try VideoFrame(width: 640, height: 360, colour: Colours.green))
        var canvas = try compositor.compose()
        expectColour(canvas, VideoRectangle(x: 0, y: 0, width: 640, height: 360), Colours.green, tolerance: 1)
        compositor.update(1, with: try VideoFrame(width: 320, height: 240, colour: Colours.blue))
        canvas = try compositor.compose()
        #expect(compositor.statistics.scalersCreated == 2)
        #expect(compositor.scalerCount == 1)
        expectColour(canvas, VideoRectangle(x: 0, y: 0, width: 80, height: 360), .black, tolerance: 0, "pillarbox")
        expectColour(canvas, VideoRectangle(x: 82, y: 0, width: 476, height: 360), Colours.blue, tolerance: 1)
        compositor.removePicture(of: 1)
        canvas = try compositor.compose()
        expectColour(canvas, VideoRectangle(x: 0, y: 0, width: 640, height: 360), .black, tolerance: 0)
        #expect(compositor.scalerCount == 0)
    }

    /// Going from four tiles to one redraws the whole canvas with the one source.
    @Test func layoutChangeRedraws() throws {
        let compositor = try VideoCompositor<Int>(width: 640, height: 360)
        compositor.setTiles([1, 2, 3, 4])
        for id in 1...4 { compositor.update(id, with: try VideoFrame(width: 320, height: 180, colour: Colours.grey)) }
        compositor.update(2, with: try VideoFrame(width: 320, height: 180, colour: Colours.red))
        _ = try compositor.compose()
        compositor.setTiles([2])
        let canvas = try compositor.compose()
        expectColour(canvas, VideoRectangle(x: 0, y: 0, width: 640, height: 360), Colours.red, tolerance: 1)
        compositor.setTiles([3, 2])
        let swapped = try compositor.compose()
        expectColour(swapped, VideoRectangle(x: 0, y: 100, width: 320, height: 160), Colours.grey, tolerance: 1)
        expectColour(swapped, VideoRectangle(x: 320, y: 100, width: 320, height: 160), Colours.red, tolerance: 1)
        expectColour(swapped, VideoRectangle(x: 0, y: 0, width: 640, height: 80), .black, tolerance: 0, "letterbox")
    }

    /// Many compositors, frames, scalers, decoders and encoders made and dropped: resident memory stays flat, so
    /// every FFmpeg object is freed (a leaked 1280x720 canvas alone would add 1.4 MB per round).
    @Test func releasesFFmpegObjects() throws {
        FFmpegLogging.errorsOnly()
        func round(_ index: Int) throws {
            let compositor = try VideoCompositor<Int>(width: 1280, height: 720)
            compositor.setTiles([0, 1, 2, 3])
            for id in 0..<4 {
                let size = id == index % 4 ? (640, 480) : (320, 180)
                compositor.update(id, with: try VideoFrame(width: size.0, height: size.1, colour: Colours.grey))
            }
            _ = try compositor.compose()
            _ = try VideoDecoder(codec: index % 2 == 0 ? .vp8 : .h264)
        }
        for index in 0..<20 { try round(index) }
        let before = residentBytes()
        for index in 0..<200 { try round(index) }
        for index in 0..<10 {
            let encoder = try VideoEncoder(codec: index % 2 == 0 ? .vp8 : .h264,
                                           configuration: VideoEncoderConfiguration(width: 320, height: 240))
            _ = try encoder.encode(VideoFrame(width: 320, height: 240, colour: Colours.grey))
        }
        let grown = residentBytes() - before
        #expect(grown < 150 << 20, "resident memory grew by \(grown >> 20) MB")
    }
}

/// This process's resident set size, from /proc/self/statm.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}
