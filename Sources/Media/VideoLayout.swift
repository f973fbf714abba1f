/// Where the tiles of a composed picture go: one tile fills the canvas, two sit side by side, three or four make a
/// 2x2 grid and five to nine a 3x3 grid, filled row by row.
///
/// Every edge falls on an even pixel, so that each tile's 4:2:0 chroma starts on a whole chroma sample; columns and
/// rows share the canvas as evenly as that allows (1280 / 3 gives 426, 426, 428).
public enum VideoLayout {
    /// The most tiles a layout holds.
    public static let maximumTiles = 9

    /// Columns and rows of the grid for `count` tiles.
    public static func grid(for count: Int) -> (columns: Int, rows: Int) {
        switch count {
        case ...1: (1, 1)
        case 2: (2, 1)
        case 3...4: (2, 2)
        default: (3, 3)
        }
    }

    /// The rectangles of `count` tiles (clamped to 1...maximumTiles) on a canvas, in reading order.
    public static func tiles(count: Int, width: Int, height: Int) -> [VideoRectangle] {
        let count = min(max(count, 1), maximumTiles)
        let (columns, rows) = grid(for: count)
        func edge(_ index: Int, of parts: Int, across length: Int) -> Int { (index * length / parts) & ~1 }
        return (0..<count).map { index in
            let column = index % columns
            let row = index / columns
            let x = edge(column, of: columns, across: width)
            let y = edge(row, of: rows, across: height)
            let right = column == columns - 1 ? width & ~1 : edge(column + 1, of: columns, across: width)
            let bottom = row == rows - 1 ? height & ~1 : edge(row + 1, of: rows, across: height)
            return VideoRectangle(x: x, y: y, width: right - x, height: bottom - y)
        }
    }

    /// The largest rectangle of the source's aspect ratio that fits in `tile`, centred, with even edges: the rest of
    /// the tile is letterbox (or pillarbox) black. Square pixels are assumed.
    public static func fit(width sourceWidth: Int, height sourceHeight: Int, in tile: VideoRectangle) -> VideoRectangle {
        guard sourceWidth > 0, sourceHeight > 0 else { return tile }
        var width = tile.width
        var height = tile.height
        // Compare sourceWidth / sourceHeight with tile.width / tile.height without rounding.
        if sourceWidth * tile.height > tile.width * sourceHeight {
            height = (tile.width * sourceHeight / sourceWidth) & ~1
        } else {
            width = (tile.height * sourceWidth / sourceHeight) & ~1
        }
        width = max(2, width)
        height = max(2, height)
        let x = tile.x + ((tile.width - width) / 2) & ~1
        let y = tile.y + ((tile.height - height) / 2) & ~1
        return VideoRectangle(x: x, y: y, width: width, height: height)
    }
}
