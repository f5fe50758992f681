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

    static let topLevelKeys = ["board", "description", "driver", "chips", "buses", "gateways",
                               "outputs", "inputs", "meters", "inverters"]
    static let attachmentKeys = ["gpio", "coil", "discreteInput", "gateway", "bus"]

    /// Reads the file in the order its findings are reported: what the devices are attached
    /// to (chips, buses, gateways), the devices, then the checks that span the whole board.
    public static func load(text: String, file: String) -> Loaded<Board> {
        let r = SourceReader(file: file)
        guard let root = r.parse(text), r.expect(.board, root),
              let m = r.mapping(root, allowed: topLevelKeys, required: ["board", "driver", "outputs"]) else {
            return Loaded(value: nil, diagnostics: r.diagnostics)
        }
        let id = m["board"].flatMap(r.identifier)
        let driver = m["driver"].flatMap { enumValue($0, Board.Driver.self, r) }
        let ctx = Context(reader: r)
        readConnections(m, ctx)
        let outputs = list(m["outputs"], r).compactMap { readOutput($0, ctx) }
        let inputs = list(m["inputs"], r).compactMap { readInput($0, ctx) }
        let outputIDs = Set(outputs.map(\.id))
        let meters = list(m["meters"], r).compactMap { readDevice($0, ctx, role: .meter, outputs: outputIDs) }
        let inverters = list(m["inverters"], r).compactMap { readDevice($0, ctx, role: .inverter) }

        let devices = outputs.map { Placed($0.id, $0.attachment, $0.location) } + inputs.map { Placed($0.id, $0.attachment, $0.location) }
            + meters.map { Placed($0.id, $0.attachment, $0.location) } + inverters.map { Placed($0.id, $0.attachment, $0.location) }
        checkWholeBoard(root, devices: devices, inputs: inputs, ctx)
        if let driver { checkAttachments(devices, driver: driver, ctx) }

        guard let id, let driver else { return Loaded(value: nil, diagnostics: r.diagnostics) }
        return Loaded(value: Board(id: id, description: m["description"].flatMap(r.string), driver: driver,
                                   chips: ctx.chips, buses: ctx.buses, gateways: ctx.gateways,
                                   outputs: outputs, inputs: inputs, meters: meters, inverters: inverters,
                                   location: root.location),
                      diagnostics: r.diagnostics)
    }

    // MARK: - Steps

    /// The elements of an optional top-level list (none when it is absent or not a list).
    static func list(_ node: SourceNode?, _ r: SourceReader) -> [SourceNode] {
        node.flatMap { r.sequence($0) } ?? []
    }

    /// Chips, buses and gateways: what outputs, inputs and devices refer to.
    static func readConnections(_ m: SourceMapping, _ ctx: Context) {
        let r = ctx.r
        ctx.chips += list(m["chips"], r).compactMap { readChip($0, r) }
        ctx.buses += list(m["buses"], r).compactMap { readBus($0, r) }
        ctx.gateways += list(m["gateways"], r).compactMap { readGateway($0, ctx) }
    }

    static func readChip(_ n: SourceNode, _ r: SourceReader) -> Board.Chip? {
        guard let c = r.mapping(n, allowed: ["id", "chip"], required: ["id", "chip"]),
              let cid = c["id"].flatMap(r.identifier), let spec = c["chip"].flatMap(r.string) else { return nil }
        return Board.Chip(id: cid, chip: spec, location: n.location)
    }

    static func readOutput(_ n: SourceNode, _ ctx: Context) -> Board.Output? {
        let r = ctx.r
        guard let o = r.mapping(n, allowed: ["id", "kind", "safeState", "minimumCycle", "reducedLevel"] + attachmentKeys,
                                required: ["id", "kind"]),
              let oid = o["id"].flatMap(r.identifier),
              let kind = o["kind"].flatMap({ enumValue($0, Board.OutputKind.self, r) }) else { return nil }
        let safe = o["safeState"].flatMap { enumValue($0, SafeState.self, r) } ?? .astronomical
        let cycle = o["minimumCycle"].flatMap { r.duration($0, in: 0...3600) } ?? 0
        var reduced: DimLevel?
        if let rn = o["reducedLevel"] {
            if kind != .step { r.error("'\(rn.path)' applies only to outputs of kind step", at: rn) }
            reduced = r.level(rn)
        } else if kind == .step {
            reduced = DimLevel(percent: 50)
        }
        noteAttempt(o, id: oid, ctx)
        let attachment = readAttachment(o, ctx, role: .output(kind))
        return Board.Output(id: oid, kind: kind, safeState: safe, minimumCycleSeconds: cycle,
                            reducedLevel: reduced, attachment: attachment, location: n.location)
    }

    static func readInput(_ n: SourceNode, _ ctx: Context) -> Board.Input? {
        let r = ctx.r
        guard let i = r.mapping(n, allowed: ["id", "kind"] + attachmentKeys, required: ["id", "kind"]),
              let iid = i["id"].flatMap(r.identifier),
              let kind = i["kind"].flatMap({ enumValue($0, Board.InputKind.self, r) }) else { return nil }
        noteAttempt(i, id: iid, ctx)
        return Board.Input(id: iid, kind: kind, attachment: readAttachment(i, ctx, role: .input(kind)), location: n.location)
    }

    /// A device that names an attachment, even a wrong one (reported where it is read), is
    /// not reported again as attached to nothing.
    static func noteAttempt(_ m: SourceMapping, id: String, _ ctx: Context) {
        if attachmentKeys.contains(where: { m[$0] != nil }) { ctx.attempted.insert(id) }
    }

    /// A meter or an inverter: its model, and the bus and unit it answers at.
    static func readDevice(_ n: SourceNode, _ ctx: Context, role: Role, outputs: Set<String> = []) -> Board.Device? {
        let r = ctx.r
        let allowed = ["id", "model", "bus", "unit", "sunspecBase"] + (role == .meter ? ["measures", "phases"] : [])
        guard let d = r.mapping(n, allowed: allowed, required: ["id"]),
              let did = d["id"].flatMap(r.identifier) else { return nil }
        let model = d["model"].flatMap { enumValue($0, Board.DeviceModel.self, r) } ?? .simulated
        if role == .inverter, model == .sdm120 || model == .sdm630, let mn = d["model"] {
            r.error("'\(mn.path)': \(model.rawValue) is an energy meter, not an inverter (inverters: sunspec, simulated)", at: mn)
        }
        let attachment = readBusAndUnit(d, ctx)
        var base: Int?
        if let bn = d["sunspecBase"] {
            if model != .sunspec { r.error("'\(bn.path)' applies only to model sunspec", at: bn) }
            base = r.int(bn, in: 0...65_533)
        }
        if model == .simulated, d["bus"] != nil {
            let models = Board.DeviceModel.allCases.filter { $0 != .simulated }.map(\.rawValue).joined(separator: ", ")
            r.error("'\(n.path)' has a bus but model simulated; give its model (\(models))", at: n)
        }
        if d["bus"] != nil || model != .simulated { ctx.attempted.insert(did) }
        if model != .simulated, d["bus"] == nil {
            r.error("'\(n.path)' is a \(model.rawValue) and needs a 'bus' and a 'unit'", at: n)
        }
        return Board.Device(id: did, model: model, attachment: attachment, sunspecBase: base,
                            measures: role == .meter ? readMeasures(d, model: model, outputs: outputs, r) : nil, location: n.location)
    }

    static let phaseNames = ["L1", "L2", "L3"]

    /// A meter's `measures: [outputs]` or `phases: {L1: [outputs], ...}` (three-phase meters):
    /// which outputs' feeds its registers measure. Each output named exists (`outputs`, the
    /// board's, read before the meters), and is on one phase only.
    static func readMeasures(_ d: SourceMapping, model: Board.DeviceModel, outputs known: Set<String>, _ r: SourceReader) -> Board.Measures? {
        var phaseOf: [String: String] = [:]
        func outputs(_ n: SourceNode, phase: String?) -> [String] {
            (r.sequence(n, allowScalar: true) ?? []).compactMap { on in
                guard let o = r.identifier(on) else { return nil }
                if !known.contains(o) {
                    r.error("'\(on.path)': output '\(o)' is not defined on this board\(Suggestion.hint(for: o, in: known.sorted()))", at: on)
                    return nil
                }
                if let phase, let other = phaseOf.updateValue(phase, forKey: o), other != phase {
                    r.error("'\(on.path)': output '\(o)' is on \(other) already: an output is fed by one phase", at: on)
                }
                return o
            }
        }
        if let pn = d["phases"] {
            if let mn = d["measures"] { r.error("'\(mn.path)' and 'phases' exclude each other: a meter measures by phase or as a whole", at: mn) }
            if model == .sdm120 || model == .sunspec {
                r.error("'\(pn.path)': a \(model.rawValue) meter has no phase registers (an sdm630 has three); give 'measures' instead", at: pn)
                return nil
            }
            guard let pm = r.mapping(pn, allowed: phaseNames) else { return nil }
            return .phases(phaseNames.map { name in pm[name].map { outputs($0, phase: name) } ?? [] })
        }
        guard let mn = d["measures"] else { return nil }
        let before = r.diagnostics.errors.count
        let measured = outputs(mn, phase: nil)
        if measured.isEmpty, r.diagnostics.errors.count == before {   // an empty list, not a wrong one
            r.error("'\(mn.path)' names no output: list the outputs whose feeds the meter measures, or leave it out (the whole cabinet)", at: mn)
        }
        return .outputs(measured)
    }

    /// A device's `bus` and `unit`, which go together.
    static func readBusAndUnit(_ d: SourceMapping, _ ctx: Context) -> Board.Attachment {
        let r = ctx.r
        if let bn = d["bus"] {
            let unit = d["unit"].flatMap { r.int($0, in: 0...255) }
            if d["unit"] == nil { r.error("'\(d.node.path)' names a bus but no 'unit'", at: bn) }
            if let bus = ctx.busRef(bn), let unit { return .modbus(bus: bus, unit: unit) }
        } else if let un = d["unit"] {
            r.error("'\(un.path)' needs a 'bus'", at: un)
        }
        return .none
    }

    // MARK: - Whole-board checks

    /// A device's id, what it is attached to and where it is defined.
    struct Placed {
        var id: String
        var attachment: Board.Attachment
        var location: SourceLocation
        init(_ id: String, _ attachment: Board.Attachment, _ location: SourceLocation) {
            self.id = id
            self.attachment = attachment
            self.location = location
        }
    }

    /// Ids are unique (devices and gateways share one name space, chips and buses have their
    /// own), one photocell at most, one bus per port or TCP endpoint.
    static func checkWholeBoard(_ root: SourceNode, devices: [Placed], inputs: [Board.Input], _ ctx: Context) {
        let r = ctx.r
        reportDuplicates("device", devices.map { ($0.id, $0.location) } + ctx.gateways.map { ($0.id, $0.location) }, r)
        reportDuplicates("chip", ctx.chips.map { ($0.id, $0.location) }, r)
        reportDuplicates("bus", ctx.buses.map { ($0.id, $0.location) }, r)
        if inputs.filter({ $0.kind == .photocell }).count > 1 {
            r.error("a board has at most one photocell input", at: root)
        }
        var usedBusLinks: [String: SourceLocation] = [:]
        for bus in ctx.buses {
            let key = bus.address
            if let f = usedBusLinks[key] {
                r.error("bus '\(bus.id)' uses \(key) again (first used at \(f.line):\(f.column)); a port has one owner", at: bus.location)
            } else { usedBusLinks[key] = bus.location }
        }
    }

    /// Reports each id defined again after its first definition.
    static func reportDuplicates(_ what: String, _ ids: [(String, SourceLocation)], _ r: SourceReader) {
        var first: [String: SourceLocation] = [:]
        for (id, loc) in ids {
            if let f = first[id] {
                r.error("duplicate \(what) id '\(id)' (first defined at \(f.line):\(f.column))", at: loc)
            } else { first[id] = loc }
        }
    }

    /// A simulated board is attached to nothing; on a hardware board every device is attached
    /// (or named a wrong attachment, already reported).
    static func checkAttachments(_ devices: [Placed], driver: Board.Driver, _ ctx: Context) {
        let r = ctx.r
        switch driver {
        case .simulated:
            for d in devices where d.attachment != .none {
                r.error("'\(d.id)' is attached to hardware, but the board's driver is simulated (use driver: hardware)", at: d.location)
            }
            if let first = ctx.chips.first { r.error("a simulated board has no GPIO chips (use driver: hardware)", at: first.location) }
            if let first = ctx.buses.first { r.error("a simulated board has no buses (use driver: hardware)", at: first.location) }
        case .hardware:
            for d in devices where d.attachment == .none && !ctx.attempted.contains(d.id) {
                r.error("'\(d.id)' is not attached to anything: give it one of \(attachmentKeys.dropLast().joined(separator: ", ")) (or bus and unit for meters and inverters)", at: d.location)
            }
        }
    }

    // MARK: - Parts

    enum Role: Equatable {
        case output(Board.OutputKind), input(Board.InputKind), meter, inverter

        var isOutput: Bool {
            if case .output = self { return true }
            return false
        }
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
        switch key {
        case "gpio": return readGPIO(n, ctx, role: role)
        case "coil", "discreteInput": return readModbusBit(n, key: key, ctx, role: role)
        case "gateway": return readGatewayChannel(n, ctx, role: role)
        default:
            r.error("'\(n.path)': meters and inverters take 'bus' and 'unit'; outputs and inputs take gpio, coil, discreteInput or gateway", at: n)
            return .none
        }
    }

    /// `gpio: { chip, line, activeLow, debounce, bias }`: a line of a chip, once.
    static func readGPIO(_ n: SourceNode, _ ctx: Context, role: Role) -> Board.Attachment {
        let r = ctx.r
        guard let g = r.mapping(n, allowed: ["chip", "line", "activeLow", "debounce", "bias"], required: ["chip", "line"]) else { return .none }
        let chip = g["chip"].flatMap(ctx.chipRef)
        let line = g["line"].flatMap { lineAddress($0, r) }
        let activeLow = g["activeLow"].flatMap(r.bool) ?? false
        var debounce = 0
        if let dn = g["debounce"] {
            if role.isOutput { r.error("'\(dn.path)' applies only to inputs", at: dn) }
            debounce = milliseconds(dn, r, in: 0...10_000) ?? 0
        }
        var bias = Board.GPIOLine.Bias.asIs
        if let bn = g["bias"] {
            if role.isOutput { r.error("'\(bn.path)' applies only to inputs", at: bn) }
            bias = enumValue(bn, Board.GPIOLine.Bias.self, r) ?? .asIs
        }
        guard let chip, let line, let ln = g["line"] else { return .none }
        ctx.take("gpio \(chip) \(line)", "GPIO chip '\(chip)' \(line)", at: ln)
        return .gpio(Board.GPIOLine(chip: chip, line: line, activeLow: activeLow, debounceMilliseconds: debounce, bias: bias))
    }

    /// A line by offset (0 to 1023) or by name.
    static func lineAddress(_ n: SourceNode, _ r: SourceReader) -> Board.GPIOLine.Line? {
        guard let text = r.string(n) else { return nil }
        guard let o = Int(text) else { return .name(text) }
        guard (0...1023).contains(o) else {
            r.error("'\(n.path)' is \(o), expected a line offset 0 to 1023", at: n)
            return nil
        }
        return .offset(o)
    }

    /// `coil:` or `discreteInput: { bus, unit, address, activeLow }`: a bit of a Modbus I/O
    /// module; a coil driving an output is used once.
    static func readModbusBit(_ n: SourceNode, key: String, _ ctx: Context, role: Role) -> Board.Attachment {
        let r = ctx.r
        if key == "discreteInput", role.isOutput { r.error("'\(n.path)': a discrete input cannot drive an output (use coil)", at: n) }
        if case .output(let k) = role, k != .relay { r.error("'\(n.path)': a coil can only drive a relay output", at: n) }
        guard let c = r.mapping(n, allowed: ["bus", "unit", "address", "activeLow"], required: ["bus", "unit", "address"]) else { return .none }
        let bus = c["bus"].flatMap(ctx.busRef)
        let unit = c["unit"].flatMap { r.int($0, in: 0...255) }
        let address = c["address"].flatMap { r.int($0, in: 0...65_535) }
        let activeLow = c["activeLow"].flatMap(r.bool) ?? false
        if let an = c["activeLow"], role.isOutput { r.error("'\(an.path)' applies only to inputs", at: an) }
        guard let bus, let unit, let address, let an = c["address"] else { return .none }
        if role.isOutput { ctx.take("coil \(bus) \(unit) \(address)", "coil \(address) of unit \(unit) on bus '\(bus)'", at: an) }
        return key == "coil" ? .coil(bus: bus, unit: unit, address: address)
                             : .discreteInput(bus: bus, unit: unit, address: address, activeLow: activeLow)
    }

    /// `gateway: { id, channel }`: a channel of a gateway the file defines, driving a dimmer, once.
    static func readGatewayChannel(_ n: SourceNode, _ ctx: Context, role: Role) -> Board.Attachment {
        let r = ctx.r
        if !role.isOutput { r.error("'\(n.path)': a gateway channel is an output", at: n); return .none }
        if case .output(let k) = role, k != .dimmer { r.error("'\(n.path)': a gateway channel drives a dimmer output (kind: dimmer)", at: n) }
        guard let g = r.mapping(n, allowed: ["id", "channel"], required: ["id", "channel"]),
              let idn = g["id"], let gid = r.identifier(idn),
              let cn = g["channel"], let channel = r.int(cn, in: 0...511) else { return .none }
        guard let gw = ctx.gateways.first(where: { $0.id == gid }) else {
            r.error("'\(idn.path)': no gateway '\(gid)' in 'gateways'\(Suggestion.hint(for: gid, in: ctx.gateways.map(\.id)))", at: idn)
            return .none
        }
        if channel >= gw.channels {
            r.error("'\(cn.path)' is \(channel), but gateway '\(gid)' has channels 0 to \(gw.channels - 1)", at: cn)
            return .none
        }
        ctx.take("gateway \(gid) \(channel)", "channel \(channel) of gateway '\(gid)'", at: cn)
        return .gatewayChannel(gateway: gid, channel: channel)
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
