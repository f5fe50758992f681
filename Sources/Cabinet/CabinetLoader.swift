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

    public static func load(text: String, file: String, profileOverride: String? = nil) -> Loaded<CabinetConfiguration> {
        let r = SourceReader(file: file)
        guard let root = r.parse(text), r.expect(.cabinet, root),
              let m = r.mapping(root, allowed: ["cabinet", "name", "site", "board", "profile", "luminaires", "circuits",
                                                "pv", "tariff", "investment", "emissionFactor", "simulation", "ledger", "sources"],
                                required: ["cabinet", "site", "board", "luminaires", "circuits"]) else {
            return Loaded(value: nil, diagnostics: r.diagnostics)
        }
        let id = m["cabinet"].flatMap(r.identifier)
        let name = m["name"].flatMap(r.string) ?? id ?? ""
        let site = m["site"].flatMap { readSite($0, r, id: id ?? "", name: name) }
        let base = (file as NSString).deletingLastPathComponent

        // Board and profile files, relative to the cabinet file.
        var extra = Diagnostics()
        var board: Board?, boardPath = ""
        if let n = m["board"], let p = r.string(n) {
            boardPath = resolve(p, base: base)
            if FileManager.default.fileExists(atPath: boardPath) {
                let loaded = BoardLoader.load(path: boardPath)
                extra.append(contentsOf: loaded.diagnostics)
                board = loaded.value
                if board == nil { r.error("board '\(p)' is not valid (see the errors above)", at: n) }
            } else {
                r.error("board file '\(p)' not found (looked at \(boardPath))", at: n)
            }
        }
        var profile: Profile?, profilePath = ""
        if let override = profileOverride {
            profilePath = override
            let loaded = ProfileLoader.load(path: override)
            extra.append(contentsOf: loaded.diagnostics)
            profile = loaded.value
        } else if let n = m["profile"], let p = r.string(n) {
            profilePath = resolve(p, base: base)
            if FileManager.default.fileExists(atPath: profilePath) {
                let loaded = ProfileLoader.load(path: profilePath)
                extra.append(contentsOf: loaded.diagnostics)
                profile = loaded.value
                if profile == nil { r.error("profile '\(p)' is not valid (see the errors above)", at: n) }
            } else {
                r.error("profile file '\(p)' not found (looked at \(profilePath))", at: n)
            }
        } else if m["profile"] == nil {
            r.error("no profile: name one with 'profile:' in the cabinet file or give --profile", at: root)
        }

        var types: [String: LuminaireType] = [:]
        for n in m["luminaires"].flatMap({ r.sequence($0) }) ?? [] {
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

        var circuits: [CircuitSpec] = []
        var outputs: [String: String] = [:]
        var areas: [String: Double] = [:]
        for n in m["circuits"].flatMap({ r.sequence($0) }) ?? [] {
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
                if let board {
                    if let output = board.output(o) { safe = output.safeState } else {
                        r.error("board '\(board.id)' has no output '\(o)'\(Suggestion.hint(for: o, in: board.outputs.map(\.id)))", at: on)
                    }
                }
                if let other = outputs.first(where: { $0.value == o }) {
                    r.error("output '\(o)' already drives circuit '\(other.key)'", at: on)
                }
                outputs[cid] = o
            }
            if circuits.contains(where: { $0.id == cid }) { r.error("duplicate circuit id '\(cid)'", at: n) }
            if let a = cm["area"].flatMap({ r.double($0, in: 1...10_000_000, unit: "m²") }) { areas[cid] = a }
            if let count, let type {
                circuits.append(CircuitSpec(id: cid, name: cm["name"].flatMap(r.string) ?? cid, luminaireCount: count,
                                            model: type.model, legacyPower: type.legacy, safeState: safe))
            }
        }

        var arrays: [PVArraySpec] = []
        for n in m["pv"].flatMap({ r.sequence($0) }) ?? [] {
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
        var tariff: Tariff?
        if let n = m["tariff"], let tm = r.mapping(n, allowed: ["currency", "pricePerKWh"], required: ["currency", "pricePerKWh"]) {
            if let cn = tm["currency"], let c = r.string(cn), let pn = tm["pricePerKWh"], let text = pn.scalarText {
                if !LedgerStore.isCurrencyCode(c) {
                    r.error("'\(cn.path)' must be an ISO 4217 currency code such as EUR, found '\(c)'", at: cn)
                } else if let price = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), price >= 0, price < 100 {
                    tariff = Tariff(currency: c, pricePerKilowattHour: price)
                } else { r.error("'\(pn.path)' must be a price per kWh such as 0.18, found '\(text)'", at: pn) }
            }
        }
        var investment: Investment?
        if let n = m["investment"], let im = r.mapping(n, allowed: ["capex", "discountRate", "years", "annualMaintenanceSavings", "priceEscalation"],
                                                       required: ["capex", "discountRate", "years"]) {
            func money(_ key: String) -> Decimal? {
                guard let node = im[key] else { return nil }
                guard let text = node.scalarText, let v = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), v >= 0 else {
                    r.error("'\(node.path)' must be an amount such as 95000 or 1200.50", at: node)
                    return nil
                }
                return v
            }
            let capex = money("capex"), maintenance = money("annualMaintenanceSavings") ?? 0
            let rate = im["discountRate"].flatMap { r.double($0, in: 0...0.5) }
            let years = im["years"].flatMap { r.int($0, in: 1...60) }
            let escalation = im["priceEscalation"].flatMap { r.double($0, in: -0.5...0.5) } ?? 0
            if let capex, let rate, let years {
                investment = Investment(capex: capex, discountRate: rate, years: years, annualMaintenanceSavings: maintenance,
                                        priceEscalation: escalation)
            }
        }
        var emissionFactor = EmissionFactor.franceADEME
        if let n = m["emissionFactor"] {
            if let id = n.scalarText {
                if let preset = EmissionFactor.preset(id) { emissionFactor = preset } else {
                    r.error("'\(n.path)' must be \(EmissionFactor.presets.map(\.id).joined(separator: ", ")) or a mapping with name, kgPerKWh and source; found '\(id)'", at: n)
                }
            } else if let fm = r.mapping(n, allowed: ["name", "kgPerKWh", "source"], required: ["name", "kgPerKWh", "source"]),
                      let name = fm["name"].flatMap(r.string), let kg = fm["kgPerKWh"].flatMap({ r.double($0, in: 0...5, unit: "kg/kWh") }),
                      let source = fm["source"].flatMap(r.string),
                      let factor = try? EmissionFactor(id: "custom", name: name, kgCO2ePerKWh: kg, source: source, year: nil) {
                emissionFactor = factor
            }
        }
        var sim = SimulationSettings.default
        if let n = m["simulation"], let sm = r.mapping(n, allowed: ["presencePeakPerHour", "photocellAltitude", "seed"]) {
            if let v = sm["presencePeakPerHour"].flatMap({ r.double($0, in: 0...3600) }) { sim.presencePeakPerHour = v }
            if let v = sm["photocellAltitude"].flatMap({ r.double($0, in: -12...5, unit: "°") }) { sim.photocellAltitude = v }
            if let v = sm["seed"].flatMap({ r.int($0, in: 0...Int.max) }) { sim.seed = UInt64(v) }
        }
        var interval = 900
        if let n = m["ledger"], let lm = r.mapping(n, allowed: ["interval"]) {
            if let v = lm["interval"].flatMap({ r.duration($0, in: 60...86_400) }) {
                if 86_400 % v != 0 { r.error("ledger interval must divide a day evenly (e.g. 5m, 15m, 1h)", at: lm["interval"]!) } else { interval = v }
            }
        }

        var d = r.diagnostics
        d.append(contentsOf: extra)
        guard let site, let board, let profile, !d.hasErrors else { return Loaded(value: nil, diagnostics: d) }
        let installation = Installation(site: site, circuits: circuits)
        // Cross-check the profile against this cabinet.
        let compiled = DimmingEngine.compile(profile: profile, installation: installation)
        d.append(contentsOf: compiled.diagnostics)
        for rule in profile.presence {
            for s in rule.sensors where board.input(s.id)?.kind != .presence {
                d.warning("profile sensor '\(s.id)' is not a presence input of board '\(board.id)': it will never detect anything", at: s.location)
            }
        }
        var config = CabinetConfiguration(installation: installation, board: board, profile: profile, outputs: outputs,
                                          pvArrays: arrays, tariff: tariff, simulation: sim, intervalSeconds: interval,
                                          cabinetPath: file, boardPath: boardPath, profilePath: profilePath)
        config.areas = areas
        config.investment = investment
        config.emissionFactor = emissionFactor
        return Loaded(value: config, diagnostics: d)
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
