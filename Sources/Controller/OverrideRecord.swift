import Foundation
import Lighting
import Units

/// An override of the plan as the controller keeps it: the engine's ``Lighting/ManualOverride``
/// (a level on a circuit, a group or every circuit, from an instant until another), with who
/// set it and why. It is written in the controller's state file (it survives a restart) and
/// each one set or ended is a chained ledger event.
///
/// Its instants are the wall clock's; the loop moves them with a step of the wall clock, so an
/// override keeps the duration it was given. While the clock is not trusted the fail-safe wins
/// over any override (the engine's order).
public struct OverrideRecord: Sendable, Hashable, Codable {
    /// What an override applies to.
    public enum Target: Sendable, Hashable, Codable, CustomStringConvertible {
        case all, group(String), circuit(String)

        public var description: String {
            switch self {
            case .all: "every circuit"
            case .group(let g): "group \(g)"
            case .circuit(let c): "circuit \(c)"
            }
        }

        var engine: ManualOverride.Target {
            switch self {
            case .all: .all
            case .group(let g): .group(g)
            case .circuit(let c): .circuit(c)
            }
        }

        // {"all": true} | {"group": "roads"} | {"circuit": "c1"}
        private enum Key: String, CodingKey { case all, group, circuit }

        public init(from decoder: any Decoder) throws {
            // Exactly one of the three keys, nothing else.
            let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            let c = try decoder.container(keyedBy: Key.self)
            guard keys.count == 1 else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "a target is {\"all\": true}, {\"group\": ID} or {\"circuit\": ID}, one key alone (found \(keys.sorted()))"))
            }
            if let g = try c.decodeIfPresent(String.self, forKey: .group), !g.isEmpty { self = .group(g) }
            else if let id = try c.decodeIfPresent(String.self, forKey: .circuit), !id.isEmpty { self = .circuit(id) }
            else if try c.decodeIfPresent(Bool.self, forKey: .all) == true { self = .all }
            else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "a target is {\"all\": true}, {\"group\": ID} or {\"circuit\": ID}"))
            }
        }

        private struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            switch self {
            case .all: try c.encode(true, forKey: .all)
            case .group(let g): try c.encode(g, forKey: .group)
            case .circuit(let id): try c.encode(id, forKey: .circuit)
            }
        }
    }

    /// Unique among the controller's overrides (`ovr-` and a counter, or the state file's).
    public var id: String
    public var target: Target
    /// The level, in tenths of a percent as ``Units/DimLevel`` keeps it.
    public var level: DimLevel
    /// In force from `from` (inclusive) until `until` (exclusive).
    public var from: Date
    public var until: Date
    /// Why, as the technician said it.
    public var reason: String
    /// Who set it: the socket peer's user, or the HTTPS client's token name.
    public var by: String

    public init(id: String, target: Target, level: DimLevel, from: Date, until: Date, reason: String, by: String) {
        self.id = id
        self.target = target
        self.level = level
        self.from = from
        self.until = until
        self.reason = reason
        self.by = by
    }

    /// The engine's view of it.
    public var manual: ManualOverride { ManualOverride(id: id, target: target.engine, level: level, from: from, until: until) }

    private enum Key: String, CodingKey { case id, target, level, from, until, reason, by }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        id = try c.decode(String.self, forKey: .id)
        target = try c.decode(Target.self, forKey: .target)
        let percent = try c.decode(Double.self, forKey: .level)
        guard let level = DimLevel(percent: percent) else {
            throw DecodingError.dataCorruptedError(forKey: .level, in: c, debugDescription: "level \(percent) is not 0 to 100 %")
        }
        self.level = level
        from = try c.decode(Date.self, forKey: .from)
        until = try c.decode(Date.self, forKey: .until)
        reason = try c.decode(String.self, forKey: .reason)
        by = try c.decode(String.self, forKey: .by)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: .id)
        try c.encode(target, forKey: .target)
        try c.encode(level.percent, forKey: .level)
        try c.encode(from, forKey: .from)
        try c.encode(until, forKey: .until)
        try c.encode(reason, forKey: .reason)
        try c.encode(by, forKey: .by)
    }

    /// "circuit c1 at 0 % until 2026-11-30T23:59:00Z (by alice: lamp change)".
    public var summary: String {
        "\(target) at \(level) % until \(TimeText.iso(until)) (by \(by)\(reason.isEmpty ? "" : ": \(reason)"))"
    }
}
