import Astronomy
import BoardFiles
import Foundation
import HAL
import Ledger
import Lighting
import Savings
import SourceFiles
import Units

/// Loads a cabinet file and the board and profile it names, checks them against each other,
/// and builds the dimming engine. All findings of all three files come back together; any
/// error means no configuration.
public enum CabinetLoader {
    struct LuminaireType {
        var model: LuminaireModel
        var legacy: Watts
    }

    /// Loads `path`; `profileOverride` replaces the profile the cabinet file names.
    public static func load(path: String, profileOverride: String? = nil) -> Loaded<CabinetConfiguration> {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            var d = Diagnostics()
            d.error("cannot read cabinet file: \(FileProblem.describe(error, path: path))",
                    at: SourceLocation(file: path, line: 1, column: 1))
            return Loaded(value: nil, diagnostics: d)
        }
        return load(text: text, file: path, profileOverride: profileOverride)
    }

    static let topLevelKeys = ["cabinet", "name", "site", "board", "profile", "luminaires", "circuits",
                               "pv", "tariff", "investment", "emissionFactor", "simulation", "ledger", "faults", "metrics", "flash", "sources"]

    /// Reads the cabinet file in the order its findings are reported (the board's and the
    /// profile's own findings follow the cabinet file's), then checks the profile against
    /// the cabinet.
    public static func load(text: String, file: String, profileOverride: String? = nil) -> Loaded<CabinetConfiguration> {
        let r = SourceReader(file: file)
        guard let root = r.parse(text), r.expect(.cabinet, root),
              let m = r.mapping(root, allowed: topLevelKeys, required: ["cabinet", "site", "board", "luminaires", "circuits"]) else {
            return Loaded(value: nil, diagnostics: r.diagnostics)
        }
        let id = m["cabinet"].flatMap(r.identifier)
        let name = m["name"].flatMap(r.string) ?? id ?? ""
        let site = m["site"].flatMap { readSite($0, r, id: id ?? "", name: name) }
        let base = (file as NSString).deletingLastPathComponent

        // Board and profile files, relative to the cabinet file.
        var extra = Diagnostics()
        let boardFile = m["board"].flatMap { readReferenced($0, what: "board", base: base, r, &extra, BoardLoader.load(path:)) }
        let profileFile = readProfile(m, root: root, override: profileOverride, base: base, r, &extra)

        let types = readLuminaireTypes(m["luminaires"], r)
        let parts = Parts(circuits: readCircuits(m["circuits"], types: types, board: boardFile?.value, r),
                          pvArrays: readPVArrays(m["pv"], board: boardFile?.value, r),
                          tariff: m["tariff"].flatMap { readTariff($0, r) },
                          investment: m["investment"].flatMap { readInvestment($0, r) },
                          emissionFactor: m["emissionFactor"].flatMap { readEmissionFactor($0, r) } ?? .franceADEME,
                          simulation: m["simulation"].map { readSimulation($0, r) } ?? .default,
                          intervalSeconds: m["ledger"].flatMap { readInterval($0, r) } ?? 900)

        let faults = m["faults"].map { readFaults($0, r) } ?? .default
        let metrics = m["metrics"].flatMap { readMetrics($0, r) }
        let flash = m["flash"].map { readFlash($0, r, base: base) } ?? .default

        var d = r.diagnostics
        d.append(contentsOf: extra)
        guard let site, let board = boardFile?.value, let profile = profileFile?.value, !d.hasErrors else {
            return Loaded(value: nil, diagnostics: d)
        }
        var config = CabinetConfiguration(installation: Installation(site: site, circuits: parts.circuits.specs), board: board,
                                          profile: profile, outputs: parts.circuits.outputs, pvArrays: parts.pvArrays,
                                          tariff: parts.tariff, simulation: parts.simulation, intervalSeconds: parts.intervalSeconds,
                                          cabinetPath: file, boardPath: boardFile?.path ?? "", profilePath: profileFile?.path ?? "")
        config.areas = parts.circuits.areas
        config.faults = faults
        config.metricsAddress = metrics
        config.flash = flash
        config.investment = parts.investment
        config.emissionFactor = parts.emissionFactor
        crossCheck(config, into: &d)
        return Loaded(value: config, diagnostics: d)
    }

    /// What the cabinet file itself says, once read (arguments are evaluated in order, so
    /// findings keep the file's order).
    struct Parts {
        var circuits: Circuits
        var pvArrays: [PVArraySpec]
        var tariff: Tariff?
        var investment: Investment?
        var emissionFactor: EmissionFactor
        var simulation: SimulationSettings
        var intervalSeconds: Int
    }

    /// The profile against this cabinet: the engine's compilation findings, and presence
    /// sensors that are not presence inputs of the board (warnings).
    static func crossCheck(_ config: CabinetConfiguration, into d: inout Diagnostics) {
        let compiled = DimmingEngine.compile(profile: config.profile, installation: config.installation)
        d.append(contentsOf: compiled.diagnostics)
        for rule in config.profile.presence {
            for s in rule.sensors where config.board.input(s.id)?.kind != .presence {
                d.warning("profile sensor '\(s.id)' is not a presence input of board '\(config.board.id)': it will never detect anything", at: s.location)
            }
        }
    }

    // MARK: - The files it names

    /// A board or profile file the cabinet file names, and where it was looked for.
    struct Referenced<Value> {
        var value: Value?
        var path: String
    }

    /// Loads the file named by `n` (relative to the cabinet file), its findings going to
    /// `extra`; reports at `n` a file that is missing or not valid.
    static func readReferenced<Value>(_ n: SourceNode, what: String, base: String, _ r: SourceReader, _ extra: inout Diagnostics,
                                      _ load: (String) -> Loaded<Value>) -> Referenced<Value>? {
        guard let p = r.string(n) else { return nil }
        let path = resolve(p, base: base)
        guard FileManager.default.fileExists(atPath: path) else {
            r.error("\(what) file '\(p)' not found (looked at \(path))", at: n)
            return Referenced(value: nil, path: path)
        }
        let loaded = load(path)
        extra.append(contentsOf: loaded.diagnostics)
        if loaded.value == nil { r.error("\(what) '\(p)' is not valid (see the errors above)", at: n) }
        return Referenced(value: loaded.value, path: path)
    }

    /// The profile given on the command line, else the one the file names; there must be one.
    static func readProfile(_ m: SourceMapping, root: SourceNode, override: String?, base: String, _ r: SourceReader,
                            _ extra: inout Diagnostics) -> Referenced<Profile>? {
        if let override {
            let loaded = ProfileLoader.load(path: override)
            extra.append(contentsOf: loaded.diagnostics)
            return Referenced(value: loaded.value, path: override)
        }
        guard let n = m["profile"] else {
            r.error("no profile: name one with 'profile:' in the cabinet file or give --profile", at: root)
            return nil
        }
        return readReferenced(n, what: "profile", base: base, r, &extra, ProfileLoader.load(path:))
    }

    // MARK: - Luminaires and circuits

    static func readLuminaireTypes(_ node: SourceNode?, _ r: SourceReader) -> [String: LuminaireType] {
        var types: [String: LuminaireType] = [:]
        for n in node.flatMap({ r.sequence($0) }) ?? [] {
            guard let lm = r.mapping(n, allowed: ["id", "description", "ratedWatts", "standbyWatts", "minimumLevel", "legacyWatts", "curve"],
                                     required: ["id", "ratedWatts", "legacyWatts"]),
                  let tid = lm["id"].flatMap(r.identifier) else { continue }
            let rated = lm["ratedWatts"].flatMap { r.double($0, in: 0.1...2000, unit: "W") }
            let standby = lm["standbyWatts"].flatMap { r.double($0, in: 0...50, unit: "W") } ?? 0.5
            let minimum = lm["minimumLevel"].flatMap(r.level) ?? .off
            let legacy = lm["legacyWatts"].flatMap { r.double($0, in: 0...5000, unit: "W") }
            let curve = lm["curve"].flatMap { readCurve($0, r) } ?? .led
            if types[tid] != nil { r.error("duplicate luminaire type '\(tid)'", at: n) }
            if let rated, let legacy {
                types[tid] = LuminaireType(model: LuminaireModel(ratedPower: Watts(rated), standbyPower: Watts(standby),
                                                                 curve: curve, minimumLevel: minimum),
                                           legacy: Watts(legacy))
            }
        }
        return types
    }

    /// The circuits, each output they are driven by and the areas they light.
    struct Circuits {
        var specs: [CircuitSpec] = []
        /// Circuit id → board output id.
        var outputs: [String: String] = [:]
        /// Circuit id → lit area in m².
        var areas: [String: Double] = [:]
    }

    static func readCircuits(_ node: SourceNode?, types: [String: LuminaireType], board: Board?, _ r: SourceReader) -> Circuits {
        var table = Circuits()
        for n in node.flatMap({ r.sequence($0) }) ?? [] {
            guard let cm = r.mapping(n, allowed: ["id", "name", "output", "luminaire", "count", "area"],
                                     required: ["id", "output", "luminaire", "count"]),
                  let cid = cm["id"].flatMap(r.identifier) else { continue }
            let count = cm["count"].flatMap { r.int($0, in: 1...1000) }
            var type: LuminaireType?
            if let tn = cm["luminaire"], let t = r.identifier(tn) {
                type = types[t]
                if type == nil { r.error("unknown luminaire type '\(t)'\(Suggestion.hint(for: t, in: types.keys))", at: tn) }
            }
            var safe = SafeState.astronomical
            if let on = cm["output"], let o = r.identifier(on) {
                safe = readCircuitOutput(o, at: on, circuit: cid, board: board, table: &table, r)
            }
            if table.specs.contains(where: { $0.id == cid }) { r.error("duplicate circuit id '\(cid)'", at: n) }
            if let a = cm["area"].flatMap({ r.double($0, in: 1...10_000_000, unit: "m²") }) { table.areas[cid] = a }
            if let count, let type {
                table.specs.append(CircuitSpec(id: cid, name: cm["name"].flatMap(r.string) ?? cid, luminaireCount: count,
                                               model: type.model, legacyPower: type.legacy, safeState: safe))
            }
        }
        return table
    }

    /// Records that output `o` drives circuit `cid` (the board must have it, and it drives no
    /// other circuit); returns the output's safe state, which the circuit takes.
    static func readCircuitOutput(_ o: String, at on: SourceNode, circuit cid: String, board: Board?, table: inout Circuits,
                                  _ r: SourceReader) -> SafeState {
        var safe = SafeState.astronomical
        if let board {
            if let output = board.output(o) { safe = output.safeState } else {
                r.error("board '\(board.id)' has no output '\(o)'\(Suggestion.hint(for: o, in: board.outputs.map(\.id)))", at: on)
            }
        }
        if let other = table.outputs.first(where: { $0.value == o }) {
            r.error("output '\(o)' already drives circuit '\(other.key)'", at: on)
        }
        table.outputs[cid] = o
        return safe
    }

    // MARK: - PV, money, emissions, simulation, ledger

    static func readPVArrays(_ node: SourceNode?, board: Board?, _ r: SourceReader) -> [PVArraySpec] {
        var arrays: [PVArraySpec] = []
        for n in node.flatMap({ r.sequence($0) }) ?? [] {
            guard let pm = r.mapping(n, allowed: ["id", "inverter", "peakKW", "tilt", "azimuth", "performanceRatio"],
                                     required: ["id", "inverter", "peakKW"]),
                  let pid = pm["id"].flatMap(r.identifier), let inv = pm["inverter"].flatMap(r.identifier),
                  let kwp = pm["peakKW"].flatMap({ r.double($0, in: 0.01...10_000, unit: "kWp") }) else { continue }
            if let board, !board.inverters.contains(where: { $0.id == inv }), let node = pm["inverter"] {
                r.error("board '\(board.id)' has no inverter '\(inv)'\(Suggestion.hint(for: inv, in: board.inverters.map(\.id)))", at: node)
            }
            if let other = arrays.first(where: { $0.inverter == inv }), let node = pm["inverter"] {
                r.error("inverter '\(inv)' already measures PV array '\(other.id)'; give each array its own inverter", at: node)
            }
            arrays.append(PVArraySpec(id: pid, inverter: inv, peakKilowatts: kwp,
                                      tiltDegrees: pm["tilt"].flatMap { r.double($0, in: 0...90, unit: "°") } ?? 30,
                                      azimuthDegrees: pm["azimuth"].flatMap { r.double($0, in: 0...359.99, unit: "°") } ?? 180,
                                      performanceRatio: pm["performanceRatio"].flatMap { r.double($0, in: 0.1...1) } ?? 0.8))
        }
        return arrays
    }

    static func readTariff(_ n: SourceNode, _ r: SourceReader) -> Tariff? {
        guard let tm = r.mapping(n, allowed: ["currency", "pricePerKWh"], required: ["currency", "pricePerKWh"]),
              let cn = tm["currency"], let c = r.string(cn), let pn = tm["pricePerKWh"], let text = pn.scalarText else { return nil }
        guard LedgerStore.isCurrencyCode(c) else {
            r.error("'\(cn.path)' must be an ISO 4217 currency code such as EUR, found '\(c)'", at: cn)
            return nil
        }
        guard let price = decimal(text), price >= 0, price < 100 else {
            r.error("'\(pn.path)' must be a price per kWh such as 0.18, found '\(text)'", at: pn)
            return nil
        }
        return Tariff(currency: c, pricePerKilowattHour: price)
    }

    static func decimal(_ text: String) -> Decimal? { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) }

    static func readInvestment(_ n: SourceNode, _ r: SourceReader) -> Investment? {
        guard let im = r.mapping(n, allowed: ["capex", "discountRate", "years", "annualMaintenanceSavings", "priceEscalation"],
                                 required: ["capex", "discountRate", "years"]) else { return nil }
        func money(_ key: String) -> Decimal? {
            guard let node = im[key] else { return nil }
            guard let text = node.scalarText, let v = decimal(text), v >= 0 else {
                r.error("'\(node.path)' must be an amount such as 95000 or 1200.50", at: node)
                return nil
            }
            return v
        }
        let capex = money("capex"), maintenance = money("annualMaintenanceSavings") ?? 0
        let rate = im["discountRate"].flatMap { r.double($0, in: 0...0.5) }
        let years = im["years"].flatMap { r.int($0, in: 1...60) }
        let escalation = im["priceEscalation"].flatMap { r.double($0, in: -0.5...0.5) } ?? 0
        guard let capex, let rate, let years else { return nil }
        return Investment(capex: capex, discountRate: rate, years: years, annualMaintenanceSavings: maintenance,
                          priceEscalation: escalation)
    }

    /// A preset's id, or a mapping with name, kgPerKWh and source; nil after a finding.
    static func readEmissionFactor(_ n: SourceNode, _ r: SourceReader) -> EmissionFactor? {
        if let id = n.scalarText {
            guard let preset = EmissionFactor.preset(id) else {
                r.error("'\(n.path)' must be \(EmissionFactor.presets.map(\.id).joined(separator: ", ")) or a mapping with name, kgPerKWh and source; found '\(id)'", at: n)
                return nil
            }
            return preset
        }
        guard let fm = r.mapping(n, allowed: ["name", "kgPerKWh", "source"], required: ["name", "kgPerKWh", "source"]),
              let name = fm["name"].flatMap(r.string), let kg = fm["kgPerKWh"].flatMap({ r.double($0, in: 0...5, unit: "kg/kWh") }),
              let source = fm["source"].flatMap(r.string) else { return nil }
        return try? EmissionFactor(id: "custom", name: name, kgCO2ePerKWh: kg, source: source, year: nil)
    }

    static func readSimulation(_ n: SourceNode, _ r: SourceReader) -> SimulationSettings {
        var sim = SimulationSettings.default
        guard let sm = r.mapping(n, allowed: ["presencePeakPerHour", "photocellAltitude", "seed"]) else { return sim }
        if let v = sm["presencePeakPerHour"].flatMap({ r.double($0, in: 0...3600) }) { sim.presencePeakPerHour = v }
        if let v = sm["photocellAltitude"].flatMap({ r.double($0, in: -12...5, unit: "°") }) { sim.photocellAltitude = v }
        if let v = sm["seed"].flatMap({ r.int($0, in: 0...Int.max) }) { sim.seed = UInt64(v) }
        return sim
    }

    /// `metrics: { listen: 127.0.0.1:9464 }`: where `lanterne run` serves `/metrics`.
    static func readMetrics(_ n: SourceNode, _ r: SourceReader) -> (host: String, port: Int)? {
        guard let mm = r.mapping(n, allowed: ["listen"], required: ["listen"]), let ln = mm["listen"], let text = r.string(ln) else { return nil }
        guard let address = ListenText.parse(text) else {
            r.error("'\(ln.path)' must be HOST:PORT (such as 127.0.0.1:9464), found '\(text)'", at: ln)
            return nil
        }
        return address
    }

    /// `flash:` — which profiles a running controller accepts from `lanterne profile flash`:
    /// ```
    /// flash:
    ///   trustedKeys: /etc/lanterne/trusted-keys    # the signers' public keys (NAME.pub)
    ///   allowUnsigned: false                       # true: the bench only (an event at each flash)
    /// ```
    static func readFlash(_ n: SourceNode, _ r: SourceReader, base: String) -> FlashSettings {
        var f = FlashSettings.default
        guard let m = r.mapping(n, allowed: ["trustedKeys", "allowUnsigned"]) else { return f }
        if let k = m["trustedKeys"], let path = r.string(k) { f.trustedKeys = resolve(path, base: base) }
        if let a = m["allowUnsigned"], let allow = r.bool(a) { f.allowUnsigned = allow }
        return f
    }

    /// A profile's text checked against `config`'s cabinet and board, as the cabinet file's own
    /// profile is: the configuration with that profile, or the findings (`file` names it in
    /// them). What a running controller does with a profile flashed to it.
    public static func replacingProfile(of config: CabinetConfiguration, text: String, file: String) -> Loaded<CabinetConfiguration> {
        let loaded = ProfileLoader.load(text: text, file: file)
        var d = loaded.diagnostics
        guard let profile = loaded.value, !d.hasErrors else { return Loaded(value: nil, diagnostics: d) }
        var changed = config
        changed.profile = profile
        changed.profilePath = file
        crossCheck(changed, into: &d)
        return Loaded(value: d.hasErrors ? nil : changed, diagnostics: d)
    }

    /// `faults:` — thresholds and hold times of the faults found from measurements:
    /// ```
    /// faults:
    ///   sampleEvery: 10s
    ///   lampFailure: { below: 20, hold: 5m }     # percent under the expected power
    ///   dayBurner: { above: 20, hold: 5m }       # watts while the circuits are off
    ///   contactor: { hold: 1m, window: 10m }
    ///   supplyLoss: { below: 100, hold: 10s }    # volts
    /// ```
    static func readFaults(_ n: SourceNode, _ r: SourceReader) -> FaultSettings {
        var f = FaultSettings.default
        guard let fm = r.mapping(n, allowed: ["sampleEvery", "lampFailure", "dayBurner", "contactor", "supplyLoss"]) else { return f }
        if let v = fm["sampleEvery"].flatMap({ r.duration($0, in: 1...3600) }) { f.sampleSeconds = v }
        if let m = fm["lampFailure"].flatMap({ r.mapping($0, allowed: ["below", "hold"]) }) {
            if let v = m["below"].flatMap({ r.double($0, in: 1...99, unit: "%") }) { f.lampFailurePercent = v }
            if let v = m["hold"].flatMap({ r.duration($0, in: 1...86_400) }) { f.lampFailureHoldSeconds = v }
        }
        if let m = fm["dayBurner"].flatMap({ r.mapping($0, allowed: ["above", "hold"]) }) {
            if let v = m["above"].flatMap({ r.double($0, in: 1...100_000, unit: "W") }) { f.dayBurnerWatts = v }
            if let v = m["hold"].flatMap({ r.duration($0, in: 1...86_400) }) { f.dayBurnerHoldSeconds = v }
        }
        if let m = fm["contactor"].flatMap({ r.mapping($0, allowed: ["hold", "window"]) }) {
            if let v = m["hold"].flatMap({ r.duration($0, in: 1...86_400) }) { f.contactorHoldSeconds = v }
            if let v = m["window"].flatMap({ r.duration($0, in: 1...86_400) }) { f.contactorWindowSeconds = v }
        }
        if let m = fm["supplyLoss"].flatMap({ r.mapping($0, allowed: ["below", "hold"]) }) {
            if let v = m["below"].flatMap({ r.double($0, in: 1...400, unit: "V") }) { f.supplyLossVolts = v }
            if let v = m["hold"].flatMap({ r.duration($0, in: 1...86_400) }) { f.supplyLossHoldSeconds = v }
        }
        return f
    }

    /// The ledger's interval in seconds, a divisor of a day; nil when not given or refused.
    static func readInterval(_ n: SourceNode, _ r: SourceReader) -> Int? {
        guard let lm = r.mapping(n, allowed: ["interval"]), let vn = lm["interval"], let v = r.duration(vn, in: 60...86_400) else { return nil }
        guard 86_400 % v == 0 else {
            r.error("ledger interval must divide a day evenly (e.g. 5m, 15m, 1h)", at: vn)
            return nil
        }
        return v
    }

    /// `path` relative to the directory `base`, with `.` and `..` folded lexically, so that
    /// messages keep the user's relative paths (`examples/../boards/x.yaml` → `boards/x.yaml`).
    static func resolve(_ path: String, base: String) -> String {
        if path.hasPrefix("/") { return path }
        let joined = base.isEmpty ? path : base + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        let folded = parts.joined(separator: "/")
        return joined.hasPrefix("/") ? "/" + folded : (folded.isEmpty ? "." : folded)
    }

    static func readSite(_ n: SourceNode, _ r: SourceReader, id: String, name: String) -> Site? {
        guard let m = r.mapping(n, allowed: ["latitude", "longitude", "timeZone"], required: ["latitude", "longitude", "timeZone"]) else { return nil }
        let lat = m["latitude"].flatMap { r.double($0, in: -90...90, unit: "°") }
        let lon = m["longitude"].flatMap { r.double($0, in: -180...180, unit: "°") }
        var tz: TimeZone?
        if let tn = m["timeZone"], let t = r.string(tn) {
            tz = TimeZone(identifier: t)
            if tz == nil {
                r.error("unknown time zone '\(t)'\(Suggestion.hint(for: t, in: TimeZone.knownTimeZoneIdentifiers)) (use an IANA name such as Europe/Paris)", at: tn)
            }
        }
        guard let lat, let lon, let tz, let coordinate = GeoCoordinate(latitude: lat, longitude: lon) else { return nil }
        return Site(id: id, name: name, coordinate: coordinate, timeZone: tz)
    }

    static func readCurve(_ n: SourceNode, _ r: SourceReader) -> PowerCurve? {
        if let s = n.scalarText {
            switch s {
            case "led": return .led
            case "linear": return .linear
            default:
                r.error("'\(n.path)' must be 'led', 'linear' or a list of [level %, power fraction] points", at: n)
                return nil
            }
        }
        guard let items = r.sequence(n) else { return nil }
        var points: [(level: Double, fraction: Double)] = []
        for item in items {
            guard let pair = r.sequence(item), pair.count == 2,
                  let l = r.double(pair[0], in: 0...100), let f = r.double(pair[1], in: 0...1.5) else {
                r.error("'\(item.path)' must be a pair [level %, power fraction]", at: item)
                return nil
            }
            points.append((l, f))
        }
        guard let curve = PowerCurve(points: points) else {
            r.error("'\(n.path)' must start at level 0, end at 100 and increase", at: n)
            return nil
        }
        return curve
    }
}
