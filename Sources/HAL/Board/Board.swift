import Foundation
import Lighting

/// What the controller hardware is: its outputs, inputs, meters and inverters, and the driver
/// behind them. Loaded from `boards/*.yaml` by `BoardLoader`.
///
/// This first schema describes the simulated board fully; drivers for GPIO and Modbus add
/// their bus details (chip and line, port and unit id) to the same entries.
public struct Board: Sendable, Hashable {
    public enum Driver: String, Sendable, Hashable, CaseIterable {
        /// Simulated hardware: models of the physics, runs anywhere (the embedded default).
        case simulated
    }
    public enum OutputKind: String, Sendable, Hashable, CaseIterable {
        /// A contactor or relay switching a circuit on and off.
        case relay
        /// A dimming channel (0-10 V, DALI broadcast) with its own relay.
        case dimmer
    }
    public enum InputKind: String, Sendable, Hashable, CaseIterable {
        case photocell, presence, door, breaker, contactorFeedback
    }
    public struct Output: Sendable, Hashable {
        public var id: String
        public var kind: OutputKind
        /// Where the circuit goes when the controller cannot trust its decisions.
        public var safeState: SafeState
        /// Shortest time between two switchings the relay tolerates, in seconds.
        public var minimumCycleSeconds: Int
        public var location: SourceLocation
        public init(id: String, kind: OutputKind, safeState: SafeState, minimumCycleSeconds: Int, location: SourceLocation) {
            self.id = id
            self.kind = kind
            self.safeState = safeState
            self.minimumCycleSeconds = minimumCycleSeconds
            self.location = location
        }
    }
    public struct Input: Sendable, Hashable {
        public var id: String
        public var kind: InputKind
        public var location: SourceLocation
        public init(id: String, kind: InputKind, location: SourceLocation) {
            self.id = id
            self.kind = kind
            self.location = location
        }
    }
    public struct Device: Sendable, Hashable {
        public var id: String
        public var location: SourceLocation
        public init(id: String, location: SourceLocation) {
            self.id = id
            self.location = location
        }
    }

    public var id: String
    public var description: String?
    public var driver: Driver
    public var outputs: [Output]
    public var inputs: [Input]
    public var meters: [Device]
    public var inverters: [Device]
    public var location: SourceLocation

    public init(id: String, description: String?, driver: Driver, outputs: [Output], inputs: [Input],
                meters: [Device], inverters: [Device], location: SourceLocation) {
        self.id = id
        self.description = description
        self.driver = driver
        self.outputs = outputs
        self.inputs = inputs
        self.meters = meters
        self.inverters = inverters
        self.location = location
    }

    public func output(_ id: String) -> Output? { outputs.first { $0.id == id } }
    public func input(_ id: String) -> Input? { inputs.first { $0.id == id } }
}

/// Loads and validates board files, reporting `FILE:LINE:COL: error: ...`.
public enum BoardLoader {
    public static func load(path: String) -> Loaded<Board> {
        do {
            return load(text: try String(contentsOfFile: path, encoding: .utf8), file: path)
        } catch {
            var d = Diagnostics()
            d.error("cannot read board: \(FileProblem.describe(error, path: path))",
                    at: SourceLocation(file: path, line: 1, column: 1))
            return Loaded(value: nil, diagnostics: d)
        }
    }

    public static func load(text: String, file: String) -> Loaded<Board> {
        let r = SourceReader(file: file)
        guard let root = r.parse(text), r.expect(.board, root),
              let m = r.mapping(root, allowed: ["board", "description", "driver", "outputs", "inputs", "meters", "inverters"],
                                required: ["board", "driver", "outputs"]) else {
            return Loaded(value: nil, diagnostics: r.diagnostics)
        }
        let id = m["board"].flatMap(r.identifier)
        let driver = m["driver"].flatMap { enumValue($0, Board.Driver.self, r) }
        var outputs: [Board.Output] = []
        for n in m["outputs"].flatMap({ r.sequence($0) }) ?? [] {
            guard let o = r.mapping(n, allowed: ["id", "kind", "safeState", "minimumCycle"], required: ["id", "kind"]),
                  let oid = o["id"].flatMap(r.identifier),
                  let kind = o["kind"].flatMap({ enumValue($0, Board.OutputKind.self, r) }) else { continue }
            let safe = o["safeState"].flatMap { enumValue($0, SafeState.self, r) } ?? .astronomical
            let cycle = o["minimumCycle"].flatMap { r.duration($0, in: 0...3600) } ?? 0
            outputs.append(Board.Output(id: oid, kind: kind, safeState: safe, minimumCycleSeconds: cycle, location: n.location))
        }
        var inputs: [Board.Input] = []
        for n in m["inputs"].flatMap({ r.sequence($0) }) ?? [] {
            guard let i = r.mapping(n, allowed: ["id", "kind"], required: ["id", "kind"]),
                  let iid = i["id"].flatMap(r.identifier),
                  let kind = i["kind"].flatMap({ enumValue($0, Board.InputKind.self, r) }) else { continue }
            inputs.append(Board.Input(id: iid, kind: kind, location: n.location))
        }
        func devices(_ key: String) -> [Board.Device] {
            (m[key].flatMap { r.sequence($0) } ?? []).compactMap { n in
                guard let d = r.mapping(n, allowed: ["id"], required: ["id"]), let did = d["id"].flatMap(r.identifier) else { return nil }
                return Board.Device(id: did, location: n.location)
            }
        }
        let meters = devices("meters"), inverters = devices("inverters")
        var seen: [String: SourceLocation] = [:]
        for (did, loc) in outputs.map({ ($0.id, $0.location) }) + inputs.map({ ($0.id, $0.location) })
            + meters.map({ ($0.id, $0.location) }) + inverters.map({ ($0.id, $0.location) }) {
            if let first = seen[did] {
                r.error("duplicate device id '\(did)' (first defined at \(first.line):\(first.column))", at: loc)
            } else { seen[did] = loc }
        }
        if inputs.filter({ $0.kind == .photocell }).count > 1 {
            r.error("a board has at most one photocell input", at: root)
        }
        guard let id, let driver else { return Loaded(value: nil, diagnostics: r.diagnostics) }
        return Loaded(value: Board(id: id, description: m["description"].flatMap(r.string), driver: driver,
                                   outputs: outputs, inputs: inputs, meters: meters, inverters: inverters,
                                   location: root.location),
                      diagnostics: r.diagnostics)
    }

    static func enumValue<E: RawRepresentable & CaseIterable>(_ n: SourceNode, _: E.Type, _ r: SourceReader) -> E?
    where E.RawValue == String {
        guard let s = r.string(n) else { return nil }
        if let v = E(rawValue: s) { return v }
        let all = E.allCases.map(\.rawValue)
        r.error("'\(n.path)' must be one of \(all.joined(separator: ", ")), found '\(s)'\(Suggestion.hint(for: s, in: all))", at: n)
        return nil
    }
}
