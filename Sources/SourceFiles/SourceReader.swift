import Astronomy
import Foundation
import Units
import Yams

/// A node of a YAML document together with where it came from: its file position and its key
/// path (`groups[2].circuits`), so any finding about it can be reported precisely.
public struct SourceNode {
    let node: Node
    /// The node's position (the start of its value).
    public let location: SourceLocation
    /// The key path from the document root, e.g. `plans[0].switch[3].at`.
    public let path: String

    init(node: Node, path: String, file: String) {
        self.node = node
        self.path = path
        let mark = node.mark
        self.location = SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// The scalar text, or nil for a mapping or a list.
    public var scalarText: String? { node.scalar?.string }

    /// "a mapping", "a list", "'text'" — for messages.
    public var kindDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s): return s.string.isEmpty ? "nothing" : "'\(s.string)'"
        case .alias: return "an alias"
        }
    }

    /// True when the node is a null or empty scalar (`key:` with nothing after it).
    public var isNull: Bool {
        guard case .scalar(let s) = node else { return false }
        return s.string.isEmpty || s.string == "~" || s.string == "null"
    }
}

/// A mapping whose keys have been checked against the allowed set.
public struct SourceMapping {
    public let node: SourceNode
    let entries: [(key: String, keyLocation: SourceLocation, value: SourceNode)]

    /// The value of `key`, if present.
    public subscript(_ key: String) -> SourceNode? {
        entries.first { $0.key == key }?.value
    }
    /// Keys in document order.
    public var keys: [String] { entries.map(\.key) }
    /// Location of a key (for messages about the key itself).
    public func keyLocation(_ key: String) -> SourceLocation? {
        entries.first { $0.key == key }?.keyLocation
    }
}

/// Reads one YAML file into checked values, collecting every finding instead of stopping at the
/// first, so a technician sees all the problems of a file in one run.
///
/// Typed accessors (`string`, `double`, `level`, `duration`...) return `nil` after recording an
/// error that names the key path and what was expected.
public final class SourceReader {
    /// The file name used in findings (as the user gave it).
    public let file: String
    /// Everything found so far.
    public private(set) var diagnostics = Diagnostics()

    public init(file: String) { self.file = file }

    /// Parses `text` as a single YAML document. On a syntax error records it (with libyaml's
    /// position) and returns nil.
    public func parse(_ text: String) -> SourceNode? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                error("the file is empty", at: SourceLocation(file: file, line: 1, column: 1))
                return nil
            }
            return SourceNode(node: node, path: "", file: file)
        } catch let e as YamlError {
            let (message, mark) = Self.describe(e)
            error("invalid YAML: \(message)",
                  at: SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1))
            return nil
        } catch {
            self.error("invalid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
            return nil
        }
    }

    static func describe(_ e: YamlError) -> (String, Mark?) {
        switch e {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let ctx = context.map { "\($0.text) " } ?? ""
            return (ctx + problem, mark)
        case .reader(let problem, _, _, _): return (problem, nil)
        default: return ("\(e)", nil)
        }
    }

    // MARK: findings

    public func error(_ message: String, at location: SourceLocation) {
        diagnostics.error(message, at: location)
    }
    public func warning(_ message: String, at location: SourceLocation) {
        diagnostics.warning(message, at: location)
    }
    public func error(_ message: String, at node: SourceNode) { error(message, at: node.location) }
    public func warning(_ message: String, at node: SourceNode) { warning(message, at: node.location) }

    func name(_ node: SourceNode) -> String { node.path.isEmpty ? "the document" : "'\(node.path)'" }

    // MARK: structure

    /// The kinds of Lanterne files, told apart by their identifying top-level key.
    public enum FileKind: String, Sendable, CaseIterable {
        case profile, cabinet, board
    }

    /// Checks that `root` is a file of `kind`; when it is another kind of Lanterne file, says
    /// so in one error (instead of a list of unknown keys) and returns false.
    public func expect(_ kind: FileKind, _ root: SourceNode) -> Bool {
        guard case .mapping(let m) = root.node else { return true }
        let keys = Set(m.keys.compactMap { $0.scalar?.string })
        // Cabinet files also name their board and profile; board files have a driver.
        let actual: FileKind? =
            keys.contains("cabinet") ? .cabinet
            : keys.contains("board") && (keys.contains("driver") || keys.contains("outputs")) ? .board
            : keys.contains("profile") && (keys.contains("plans") || keys.contains("groups")) ? .profile
            : nil
        if let actual, actual != kind {
            error("this is a \(actual.rawValue) file (it has a top-level '\(actual.rawValue):' key), not a \(kind.rawValue) file", at: root)
            return false
        }
        return true
    }

    /// Checks that `node` is a mapping whose keys are all in `allowed` (did-you-mean for the
    /// others), that no key repeats, and that every `required` key is present.
    public func mapping(_ node: SourceNode, allowed: [String], required: [String] = []) -> SourceMapping? {
        guard case .mapping(let m) = node.node else {
            error("\(name(node)) must be a mapping, found \(node.kindDescription)", at: node)
            return nil
        }
        var entries: [(String, SourceLocation, SourceNode)] = []
        var seen: Set<String> = []
        for (k, v) in m {
            let keyText = k.scalar?.string ?? "\(k)"
            let keyNode = SourceNode(node: k, path: node.path, file: file)
            let childPath = node.path.isEmpty ? keyText : "\(node.path).\(keyText)"
            if !allowed.contains(keyText) {
                error("unknown key '\(keyText)' in \(name(node))\(Suggestion.hint(for: keyText, in: allowed))",
                      at: keyNode)
                continue
            }
            if !seen.insert(keyText).inserted {
                error("duplicate key '\(keyText)' in \(name(node))", at: keyNode)
                continue
            }
            entries.append((keyText, keyNode.location, SourceNode(node: v, path: childPath, file: file)))
        }
        for key in required where !seen.contains(key) {
            error("missing required key '\(key)' in \(name(node))", at: node)
        }
        return SourceMapping(node: node, entries: entries.map { ($0.0, $0.1, $0.2) })
    }

    /// The elements of a list (a single scalar is accepted as a one-element list when
    /// `allowScalar`).
    public func sequence(_ node: SourceNode, allowScalar: Bool = false) -> [SourceNode]? {
        switch node.node {
        case .sequence(let s):
            return s.enumerated().map { SourceNode(node: $1, path: "\(node.path)[\($0)]", file: file) }
        case .scalar where allowScalar && !node.isNull:
            return [node]
        default:
            error("\(name(node)) must be a list, found \(node.kindDescription)", at: node)
            return nil
        }
    }

    // MARK: scalars

    public func string(_ node: SourceNode) -> String? {
        guard let s = node.scalarText, !node.isNull else {
            error("\(name(node)) must be a text, found \(node.kindDescription)", at: node)
            return nil
        }
        return s
    }

    /// An identifier: letters, digits, '-', '_' and '.', starting with a letter or digit.
    public func identifier(_ node: SourceNode) -> String? {
        guard let s = string(node) else { return nil }
        let ok = !s.isEmpty && s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || $0 == "-" || $0 == "_" || $0 == "."
        } && s.first != "-" && s.first != "." && s.first != "_"
        guard ok else {
            error("\(name(node)) must be an identifier (letters, digits, '-', '_', '.'), found '\(s)'", at: node)
            return nil
        }
        return s
    }

    public func double(_ node: SourceNode, in range: ClosedRange<Double>, unit: String = "") -> Double? {
        guard let s = node.scalarText, let v = Double(s), v.isFinite else {
            error("\(name(node)) must be a number, found \(node.kindDescription)", at: node)
            return nil
        }
        guard range.contains(v) else {
            let u = unit.isEmpty ? "" : " \(unit)"
            error("\(name(node)) is \(s)\(u), expected \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))\(u)", at: node)
            return nil
        }
        return v
    }

    public func int(_ node: SourceNode, in range: ClosedRange<Int>) -> Int? {
        guard let s = node.scalarText, let v = Int(s) else {
            error("\(name(node)) must be a whole number, found \(node.kindDescription)", at: node)
            return nil
        }
        guard range.contains(v) else {
            error("\(name(node)) is \(v), expected \(range.lowerBound) to \(range.upperBound)", at: node)
            return nil
        }
        return v
    }

    public func bool(_ node: SourceNode) -> Bool? {
        switch node.scalarText?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error("\(name(node)) must be true or false, found \(node.kindDescription)", at: node)
            return nil
        }
    }

    /// A light level in percent, 0 to 100 with at most one decimal.
    public func level(_ node: SourceNode) -> DimLevel? {
        guard let v = double(node, in: 0...100, unit: "%") else { return nil }
        if (v * 10).rounded() != v * 10 {
            warning("\(name(node)) \(Self.format(v)) has more than one decimal; using \(DimLevel.clamping(percent: v))", at: node)
        }
        return DimLevel(percent: v)
    }

    /// A duration such as `90s`, `10m`, `1h30m`, `2h`; a bare number is read as seconds.
    /// Returns whole seconds.
    public func duration(_ node: SourceNode, in range: ClosedRange<Int> = 0...86_400) -> Int? {
        guard let s = node.scalarText, let seconds = DurationText.parseSeconds(s) else {
            error("\(name(node)) must be a duration like 90s, 10m or 1h30m, found \(node.kindDescription)", at: node)
            return nil
        }
        guard range.contains(seconds) else {
            error("\(name(node)) is \(DurationText.format(seconds)), expected \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound))", at: node)
            return nil
        }
        return seconds
    }

    public func date(_ node: SourceNode) -> CivilDate? {
        guard let s = node.scalarText, let d = CivilDate(s) else {
            error("\(name(node)) must be a date YYYY-MM-DD, found \(node.kindDescription)", at: node)
            return nil
        }
        return d
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }
}


/// Durations written in files: `90s`, `10m`, `1h30m`, `2h`, or a bare number of seconds.
public enum DurationText {
    /// Whole seconds, or nil when the text is not a duration. Accepts an optional leading sign.
    public static func parseSeconds(_ text: String) -> Int? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        var sign = 1
        if s.first == "-" { sign = -1; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        guard !s.isEmpty else { return nil }
        if let n = Int(s) { return sign * n }
        var total = 0, number = "", sawUnit = false
        for ch in s {
            if ch.isASCII && ch.isNumber { number.append(ch); continue }
            guard let n = Int(number) else { return nil }
            switch ch {
            case "h": total += n * 3600
            case "m": total += n * 60
            case "s": total += n
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { return nil }
        return sign * total
    }

    /// `1h30m`, `10m`, `45s`, `0s`.
    public static func format(_ seconds: Int) -> String {
        if seconds == 0 { return "0s" }
        var out = seconds < 0 ? "-" : ""
        var r = abs(seconds)
        if r >= 3600 { out += "\(r / 3600)h"; r %= 3600 }
        if r >= 60 { out += "\(r / 60)m"; r %= 60 }
        if r > 0 { out += "\(r)s" }
        return out
    }
}
