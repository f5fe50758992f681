import BoardFiles
import Foundation
import SourceFiles

/// Loading board text as `board.yaml`, and the positions findings are expected at.
enum BoardText {
    static let file = "board.yaml"

    static func load(_ text: String) -> Loaded<Board> { BoardLoader.load(text: text, file: file) }

    /// The errors of `text`, in the order the loader found them, as printed.
    static func errors(_ text: String) -> [String] { load(text).diagnostics.errors.map(\.description) }

    static func warnings(_ text: String) -> [String] { load(text).diagnostics.warnings.map(\.description) }

    /// `board.yaml:LINE:COL` of the `occurrence`th `needle` in `text` (1-based, columns in
    /// Unicode scalars as libyaml counts them): where a finding about that node must point.
    /// `shift` moves the column right, to point inside the needle.
    static func at(_ needle: String, in text: String, occurrence: Int = 1, shift: Int = 0) -> String {
        var seen = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var from = line.startIndex
            while let range = line.range(of: needle, range: from..<line.endIndex) {
                seen += 1
                if seen == occurrence {
                    return "\(file):\(index + 1):\(line.unicodeScalars.distance(from: line.startIndex, to: range.lowerBound) + 1 + shift)"
                }
                from = range.upperBound
            }
        }
        return "\(file): '\(needle)' #\(occurrence) not in the text"
    }

    /// `LINE:COL` alone, as messages name an earlier position.
    static func position(_ needle: String, in text: String, occurrence: Int = 1, shift: Int = 0) -> String {
        at(needle, in: text, occurrence: occurrence, shift: shift).split(separator: ":").dropFirst().joined(separator: ":")
    }

    /// The repository's `boards/` directory.
    static let boards = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("boards")
}
