import Foundation
import SourceFiles
import Units

/// Loads and validates board files, reporting `FILE:LINE:COL: error: ...` for every problem
/// at once: unknown keys (with did-you-mean), bad values, references to chips, buses or
/// gateways that the file does not define, a line or coil used twice, a simulated board with
/// bus details or a hardware device without them.
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

    static let attachmentKeys = ["gpio", "coil", "discreteInput", "gateway", "bus"]

    public static func load(text: String, file: String) -> Loaded<Board> {
        let r = SourceReader(file: file)
        guard let root = r.parse(text), r.expect(.board, root),
              let m = r.mapping(root, allowed: ["board", "description", "driver", "chips", "buses", "gateways",
                                                "outputs", "inputs", "meters", "inverters"],
                                required: ["board", "driver", "outputs"]) else {
            return Loaded(value: nil, diagnostics: r.diagnostics)
        }
        let id = m["board"].flatMap(r.identifier)
        let driver = m["driver"].flatMap { enumValue($0, Board.Driver.self, r) }
        let ctx = Context(reader: r)

        // Chips, buses, gateways.
        for n in m["chips"].flatMap({ r.sequence($0) }) ?? [] {
            guard let c = r.mapping(n, allowed: ["id", "chip"], required: ["id", "chip"]),
                  let cid = c["id"].flatMap(r.identifier), let spec = c["chip"].flatMap(r.string) else { continue }
            ctx.chips.append(Board.Chip(id: cid, chip: spec, location: n.location))
        }
        for n in m["buses"].flatMap({ r.sequence($0) }) ?? [] {
            if let bus = readBus(n, r) { ctx.buses.append(bus) }
        }
        for n in m["gateways"].flatMap({ r.sequence($0) }) ?? [] {
            if let g = readGateway(n, ctx) { ctx.gateways.append(g) }
        }

        // Outputs and inputs.
        var outputs: [Board.Output] = []
        for n in m["outputs"].flatMap({ r.sequence($0) }) ?? [] {
            guard let o = r.mapping(n, allowed: ["id", "kind", "safeState", "minimumCycle", "reducedLevel"] + attachmentKeys,
                                    required: ["id", "kind"]),
                  let oid = o["id"].flatMap(r.identifier),
                  let kind = o["kind"].flatMap({ enumValue($0, Board.OutputKind.self, r) }) else { continue }
            let safe = o["safeState"].flatMap { enumValue($0, SafeState.self, r) } ?? .astronomical
            let cycle = o["minimumCycle"].flatMap { r.duration($0, in: 0...3600) } ?? 0
            var reduced: DimLevel?
            if let rn = o["reducedLevel"] {
                if kind != .step { r.error("'\(rn.path)' applies only to outputs of kind step", at: rn) }
                reduced = r.level(rn)
            } else if kind == .step {
                reduced = DimLevel(percent: 50)
            }
            if attachmentKeys.contains(where: { o[$0] != nil }) { ctx.attempted.insert(oid) }
            let attachment = readAttachment(o, ctx, role: .output(kind))
            outputs.append(Board.Output(id: oid, kind: kind, safeState: safe, minimumCycleSeconds: cycle,
                                        reducedLevel: reduced, attachment: attachment, location: n.location))
        }
        var inputs: [Board.Input] = []
        for n in m["inputs"].flatMap({ r.sequence($0) }) ?? [] {
            guard let i = r.mapping(n, allowed: ["id", "kind"] + attachmentKeys, required: ["id", "kind"]),
                  let iid = i["id"].flatMap(r.identifier),
                  let kind = i["kind"].flatMap({ enumValue($0, Board.InputKind.self, r) }) else { continue }
            if attachmentKeys.contains(where: { i[$0] != nil }) { ctx.attempted.insert(iid) }
            inputs.append(Board.Input(id: iid, kind: kind, attachment: readAttachment(i, ctx, role: .input(kind)), location: n.location))
        }
        func devices(_ key: String, role: Role) -> [Board.Device] {
            (m[key].flatMap { r.sequence($0) } ?? []).compactMap { n in
                guard let d = r.mapping(n, allowed: ["id", "model", "bus", "unit", "sunspecBase"], required: ["id"]),
                      let did = d["id"].flatMap(r.identifier) else { return nil }
                let model = d["model"].flatMap { enumValue($0, Board.DeviceModel.self, r) } ?? .simulated
                if role == .inverter, model == .sdm120 || model == .sdm630, let mn = d["model"] {
                    r.error("'\(mn.path)': \(model.rawValue) is an energy meter, not an inverter (inverters: sunspec, simulated)", at: mn)
                }
                var attachment = Board.Attachment.none
                if let bn = d["bus"] {
                    let unit = d["unit"].flatMap { r.int($0, in: 0...255) }
                    if d["unit"] == nil { r.error("'\(n.path)' names a bus but no 'unit'", at: bn) }
                    if let bus = ctx.busRef(bn), let unit { attachment = .modbus(bus: bus, unit: unit) }
                } else if let un = d["unit"] {
                    r.error("'\(un.path)' needs a 'bus'", at: un)
                }
                var base: Int?
                if let bn = d["sunspecBase"] {
                    if model != .sunspec { r.error("'\(bn.path)' applies only to model sunspec", at: bn) }
                    base = r.int(bn, in: 0...65_533)
                }
                if model == .simulated, d["bus"] != nil {
                    r.error("'\(n.path)' has a bus but model simulated; give its model (\(Board.DeviceModel.allCases.filter { $0 != .simulated }.map(\.rawValue).joined(separator: ", ")))", at: n)
                }
                if d["bus"] != nil || model != .simulated { ctx.attempted.insert(did) }
                if model != .simulated, d["bus"] == nil {
                    r.error("'\(n.path)' is a \(model.rawValue) and needs a 'bus' and a 'unit'", at: n)
                }
                return Board.Device(id: did, model: model, attachment: attachment, sunspecBase: base, location: n.location)
            }
        }
        let meters = devices("meters", role: .meter), inverters = devices("inverters", role: .inverter)

        // Whole-board checks.
        var seen: [String: SourceLocation] = [:]
        for (did, loc) in outputs.map({ ($0.id, $0.location) }) + inputs.map({ ($0.id, $0.location) })
            + meters.map({ ($0.id, $0.location) }) + inverters.map({ ($0.id, $0.location) })
            + ctx.gateways.map({ ($0.id, $0.location) }) {
            if let first = seen[did] {
                r.error("duplicate device id '\(did)' (first defined at \(first.line):\(first.column))", at: loc)
            } else { seen[did] = loc }
        }
        for (what, ids) in [("chip", ctx.chips.map { ($0.id, $0.location) }), ("bus", ctx.buses.map { ($0.id, $0.location) })] {
            var first: [String: SourceLocation] = [:]
            for (cid, loc) in ids {
                if let f = first[cid] { r.error("duplicate \(what) id '\(cid)' (first defined at \(f.line):\(f.column))", at: loc) } else { first[cid] = loc }
            }
        }
        if inputs.filter({ $0.kind == .photocell }).count > 1 {
            r.error("a board has at most one photocell input", at: root)
        }
        var usedBusLinks: [String: SourceLocation] = [:]
        for bus in ctx.buses {
            let key: String
            switch bus.link {
            case .rtu(let device, _, _, _, _, _): key = device
            case .tcp(let host, let port): key = "\(host):\(port)"
            }
            if let f = usedBusLinks[key] {
                r.error("bus '\(bus.id)' uses \(key) again (first used at \(f.line):\(f.column)); a port has one owner", at: bus.location)
            } else { usedBusLinks[key] = bus.location }
        }
        if let driver {
            let everything: [(String, Board.Attachment, SourceLocation)] =
                outputs.map { ($0.id, $0.attachment, $0.location) } + inputs.map { ($0.id, $0.attachment, $0.location) }
                + meters.map { ($0.id, $0.attachment, $0.location) } + inverters.map { ($0.id, $0.attachment, $0.location) }
            switch driver {
            case .simulated:
                for (did, a, loc) in everything where a != .none {
                    r.error("'\(did)' is attached to hardware, but the board's driver is simulated (use driver: hardware)", at: loc)
                }
                if let first = ctx.chips.first { r.error("a simulated board has no GPIO chips (use driver: hardware)", at: first.location) }
                if let first = ctx.buses.first { r.error("a simulated board has no buses (use driver: hardware)", at: first.location) }
            case .hardware:
                for (did, a, loc) in everything where a == .none && !ctx.attempted.contains(did) {
                    r.error("'\(did)' is not attached to anything: give it one of \(attachmentKeys.dropLast().joined(separator: ", ")) (or bus and unit for meters and inverters)", at: loc)
                }
            }
        }
        guard let id, let driver else { return Loaded(value: nil, diagnostics: r.diagnostics) }
        return Loaded(value: Board(id: id, description: m["description"].flatMap(r.string), driver: driver,
                                   chips: ctx.chips, buses: ctx.buses, gateways: ctx.gateways,
                                   outputs: outputs, inputs: inputs, meters: meters, inverters: inverters,
                                   location: root.location),
                      diagnostics: r.diagnostics)
    }

    // MARK: - Parts

    enum Role: Equatable {
        case output(Board.OutputKind), input(Board.InputKind), meter, inverter
    }

    /// What the loader has read so far, for cross-references, and which lines, coils and
    /// channels are taken.
    final class Context {
        let r: SourceReader
        var chips: [Board.Chip] = []
        var buses: [Board.Bus] = []
        var gateways: [Board.Gateway] = []
        var taken: [String: SourceLocation] = [:]
        /// Devices that named an attachment (even a wrong one, already reported).
        var attempted: Set<String> = []
        init(reader: SourceReader) { r = reader }

        func chipRef(_ n: SourceNode) -> String? {
            guard let c = r.identifier(n) else { return nil }
            guard chips.contains(where: { $0.id == c }) else {
                r.error("'\(n.path)': no chip '\(c)' in 'chips'\(Suggestion.hint(for: c, in: chips.map(\.id)))", at: n)
                return nil
            }
            return c
        }
        func busRef(_ n: SourceNode) -> String? {
            guard let b = r.identifier(n) else { return nil }
            guard buses.contains(where: { $0.id == b }) else {
                r.error("'\(n.path)': no bus '\(b)' in 'buses'\(Suggestion.hint(for: b, in: buses.map(\.id)))", at: n)
                return nil
            }
            return b
        }
        /// Records that `key` (a line, a coil, a channel) is used, reporting a second use.
        func take(_ key: String, _ what: String, at n: SourceNode) {
            if let f = taken[key] {
                r.error("\(what) is already used at \(f.line):\(f.column)", at: n)
            } else { taken[key] = n.location }
        }
    }

    static func readBus(_ n: SourceNode, _ r: SourceReader) -> Board.Bus? {
        guard let b = r.mapping(n, allowed: ["id", "rtu", "tcp", "baud", "parity", "dataBits", "stopBits", "rs485", "timeout", "retries"],
                                required: ["id"]),
              let bid = b["id"].flatMap(r.identifier) else { return nil }
        let timeout = b["timeout"].flatMap { milliseconds($0, r, in: 10...60_000) } ?? 500
        let retries = b["retries"].flatMap { r.int($0, in: 0...10) } ?? 2
        let serialKeys = ["baud", "parity", "dataBits", "stopBits", "rs485"]
        switch (b["rtu"], b["tcp"]) {
        case (let rn?, nil):
            guard let device = r.string(rn) else { return nil }
            if !device.hasPrefix("/") { r.error("'\(rn.path)' must be a device path like /dev/ttyUSB0, found '\(device)'", at: rn) }
            let baud = b["baud"].flatMap { r.int($0, in: 300...921_600) } ?? 9600
            if let bn = b["baud"], let v = Int(bn.scalarText ?? ""), ![1200, 2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200, 230_400].contains(v) {
                r.warning("'\(bn.path)' is \(v), not a standard Modbus baud rate", at: bn)
            }
            var parity = "N"
            if let pn = b["parity"], let p = r.string(pn) {
                if ["N", "E", "O"].contains(p) { parity = p } else {
                    r.error("'\(pn.path)' must be N, E or O (none, even, odd), found '\(p)'", at: pn)
                }
            }
            let data = b["dataBits"].flatMap { r.int($0, in: 7...8) } ?? 8
            let stop = b["stopBits"].flatMap { r.int($0, in: 1...2) } ?? 1
            let rs485 = b["rs485"].flatMap(r.bool) ?? false
            return Board.Bus(id: bid, link: .rtu(device: device, baud: baud, parity: parity, dataBits: data, stopBits: stop, rs485: rs485),
                             timeoutMilliseconds: timeout, retries: retries, location: n.location)
        case (nil, let tn?):
            for k in serialKeys { if let kn = b[k] { r.error("'\(kn.path)' applies only to rtu buses", at: kn) } }
            guard let text = r.string(tn) else { return nil }
            guard let (host, port) = hostPort(text) else {
                r.error("'\(tn.path)' must be HOST:PORT (or HOST for port 502), found '\(text)'", at: tn)
                return nil
            }
            return Board.Bus(id: bid, link: .tcp(host: host, port: port), timeoutMilliseconds: timeout, retries: retries, location: n.location)
        case (_?, _?):
            r.error("'\(n.path)' has both 'rtu' and 'tcp'; a bus is one or the other", at: n)
            return nil
        case (nil, nil):
            r.error("'\(n.path)' needs 'rtu: /dev/ttyX' or 'tcp: HOST:PORT'", at: n)
            return nil
        }
    }

    /// `host:port`, `host` (port 502) or `[v6]:port`.
    public static func hostPort(_ text: String) -> (String, Int)? {
        var host = text, port = 502
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { guard let p = Int(rest.dropFirst()) else { return nil }; port = p } else if !rest.isEmpty { return nil }
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            guard let p = Int(text[text.index(after: colon)...]) else { return nil }
            port = p
        }
        guard !host.isEmpty, !host.contains(" "), (1...65_535).contains(port) else { return nil }
        return (host, port)
    }

    static func readGateway(_ n: SourceNode, _ ctx: Context) -> Board.Gateway? {
        let r = ctx.r
        guard let g = r.mapping(n, allowed: ["id", "bus", "unit", "channels", "level", "switch", "status"],
                                required: ["id", "bus", "unit", "channels", "level"]),
              let gid = g["id"].flatMap(r.identifier) else { return nil }
        let bus = g["bus"].flatMap(ctx.busRef)
        let unit = g["unit"].flatMap { r.int($0, in: 0...255) }
        let channels = g["channels"].flatMap { r.int($0, in: 1...512) }
        var levelRegister: Int?, stride = 1, fullScale: Int?
        if let ln = g["level"], let lm = r.mapping(ln, allowed: ["register", "stride", "fullScale"], required: ["register", "fullScale"]) {
            levelRegister = lm["register"].flatMap { r.int($0, in: 0...65_535) }
            stride = lm["stride"].flatMap { r.int($0, in: 1...64) } ?? 1
            fullScale = lm["fullScale"].flatMap { r.int($0, in: 1...65_535) }
        }
        var switching = Board.Gateway.Switching.none
        if let sn = g["switch"], let sm = r.mapping(sn, allowed: ["coil", "register", "on", "off"]) {
            if let c = sm["coil"] {
                if let a = r.int(c, in: 0...65_535) { switching = .coil(address: a) }
                for k in ["register", "on", "off"] { if let kn = sm[k] { r.error("'\(kn.path)' does not go with 'coil'", at: kn) } }
            } else if let rn = sm["register"] {
                if let a = r.int(rn, in: 0...65_535) {
                    switching = .register(address: a, on: sm["on"].flatMap { r.int($0, in: 0...65_535) } ?? 1,
                                          off: sm["off"].flatMap { r.int($0, in: 0...65_535) } ?? 0)
                }
            } else {
                r.error("'\(sn.path)' needs 'coil: ADDRESS' or 'register: ADDRESS'", at: sn)
            }
        }
        var status: Int?
        if let sn = g["status"], let sm = r.mapping(sn, allowed: ["register"], required: ["register"]) {
            status = sm["register"].flatMap { r.int($0, in: 0...65_535) }
        }
        guard let bus, let unit, let channels, let levelRegister, let fullScale else { return nil }
        if levelRegister + (channels - 1) * stride > 65_535, let ln = g["level"] {
            r.error("'\(ln.path)': \(channels) channels from register \(levelRegister) go past 65535", at: ln)
        }
        return Board.Gateway(id: gid, bus: bus, unit: unit, channels: channels, levelRegister: levelRegister, levelStride: stride,
                             fullScale: fullScale, switching: switching, statusRegister: status, location: n.location)
    }

    static func readAttachment(_ m: SourceMapping, _ ctx: Context, role: Role) -> Board.Attachment {
        let r = ctx.r
        let present = attachmentKeys.filter { m[$0] != nil }
        if present.count > 1 {
            r.error("'\(m.node.path)' has \(present.joined(separator: " and ")); a device is attached to one thing", at: m.node)
            return .none
        }
        guard let key = present.first, let n = m[key] else { return .none }
        let isOutput: Bool
        if case .output = role { isOutput = true } else { isOutput = false }
        switch key {
        case "gpio":
            guard let g = r.mapping(n, allowed: ["chip", "line", "activeLow", "debounce", "bias"], required: ["chip", "line"]) else { return .none }
            let chip = g["chip"].flatMap(ctx.chipRef)
            var line: Board.GPIOLine.Line?
            if let ln = g["line"], let text = r.string(ln) {
                if let o = Int(text) {
                    if (0...1023).contains(o) { line = .offset(o) } else { r.error("'\(ln.path)' is \(o), expected a line offset 0 to 1023", at: ln) }
                } else { line = .name(text) }
            }
            let activeLow = g["activeLow"].flatMap(r.bool) ?? false
            var debounce = 0
            if let dn = g["debounce"] {
                if isOutput { r.error("'\(dn.path)' applies only to inputs", at: dn) }
                debounce = milliseconds(dn, r, in: 0...10_000) ?? 0
            }
            var bias = Board.GPIOLine.Bias.asIs
            if let bn = g["bias"] {
                if isOutput { r.error("'\(bn.path)' applies only to inputs", at: bn) }
                bias = enumValue(bn, Board.GPIOLine.Bias.self, r) ?? .asIs
            }
            guard let chip, let line else { return .none }
            ctx.take("gpio \(chip) \(line)", "GPIO chip '\(chip)' \(line)", at: g["line"]!)
            return .gpio(Board.GPIOLine(chip: chip, line: line, activeLow: activeLow, debounceMilliseconds: debounce, bias: bias))
        case "coil", "discreteInput":
            if key == "discreteInput", isOutput { r.error("'\(n.path)': a discrete input cannot drive an output (use coil)", at: n) }
            if case .output(let k) = role, k != .relay { r.error("'\(n.path)': a coil can only drive a relay output", at: n) }
            guard let c = r.mapping(n, allowed: ["bus", "unit", "address", "activeLow"], required: ["bus", "unit", "address"]) else { return .none }
            let bus = c["bus"].flatMap(ctx.busRef)
            let unit = c["unit"].flatMap { r.int($0, in: 0...255) }
            let address = c["address"].flatMap { r.int($0, in: 0...65_535) }
            let activeLow = c["activeLow"].flatMap(r.bool) ?? false
            if let an = c["activeLow"], isOutput { r.error("'\(an.path)' applies only to inputs", at: an) }
            guard let bus, let unit, let address else { return .none }
            if isOutput { ctx.take("coil \(bus) \(unit) \(address)", "coil \(address) of unit \(unit) on bus '\(bus)'", at: c["address"]!) }
            return key == "coil" ? .coil(bus: bus, unit: unit, address: address)
                                 : .discreteInput(bus: bus, unit: unit, address: address, activeLow: activeLow)
        case "gateway":
            if !isOutput { r.error("'\(n.path)': a gateway channel is an output", at: n); return .none }
            if case .output(let k) = role, k != .dimmer { r.error("'\(n.path)': a gateway channel drives a dimmer output (kind: dimmer)", at: n) }
            guard let g = r.mapping(n, allowed: ["id", "channel"], required: ["id", "channel"]),
                  let gid = g["id"].flatMap(r.identifier), let channel = g["channel"].flatMap({ r.int($0, in: 0...511) }) else { return .none }
            guard let gw = ctx.gateways.first(where: { $0.id == gid }) else {
                r.error("'\(g["id"]!.path)': no gateway '\(gid)' in 'gateways'\(Suggestion.hint(for: gid, in: ctx.gateways.map(\.id)))", at: g["id"]!)
                return .none
            }
            if channel >= gw.channels {
                r.error("'\(g["channel"]!.path)' is \(channel), but gateway '\(gid)' has channels 0 to \(gw.channels - 1)", at: g["channel"]!)
                return .none
            }
            ctx.take("gateway \(gid) \(channel)", "channel \(channel) of gateway '\(gid)'", at: g["channel"]!)
            return .gatewayChannel(gateway: gid, channel: channel)
        default:
            r.error("'\(n.path)': meters and inverters take 'bus' and 'unit'; outputs and inputs take gpio, coil, discreteInput or gateway", at: n)
            return .none
        }
    }

    /// A duration in milliseconds: `500ms`, `1s`, `1.5s`, `2m`, or a bare number of ms.
    static func milliseconds(_ n: SourceNode, _ r: SourceReader, in range: ClosedRange<Int>) -> Int? {
        guard let text = n.scalarText?.trimmingCharacters(in: .whitespaces) else {
            r.error("'\(n.path)' must be a duration like 500ms or 2s, found \(n.kindDescription)", at: n)
            return nil
        }
        var ms: Int?
        if let v = Int(text) { ms = v }
        else if text.hasSuffix("ms"), let v = Int(text.dropLast(2)) { ms = v }
        else if text.hasSuffix("s"), let v = Double(text.dropLast()), v.isFinite { ms = Int((v * 1000).rounded()) }
        else if text.hasSuffix("m"), let v = Int(text.dropLast()) { ms = v * 60_000 }
        guard let ms else {
            r.error("'\(n.path)' must be a duration like 500ms or 2s, found '\(text)'", at: n)
            return nil
        }
        guard range.contains(ms) else {
            r.error("'\(n.path)' is \(ms) ms, expected \(range.lowerBound) to \(range.upperBound) ms", at: n)
            return nil
        }
        return ms
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
