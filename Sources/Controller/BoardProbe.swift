import BoardFiles
import Foundation
import GPIO
import HAL
import Lighting
import Modbus

/// What `lanterne board probe` does: opens every chip and bus of a board once, reads every
/// input, meter and inverter and the state of every output, and reports each device's
/// reading or failure (naming the device, the chip and line or the bus, unit and register).
///
/// Outputs are never driven: a GPIO output line is only looked up (exists, free or held by
/// whom), a coil or gateway channel is read back. So a probe is safe on a live cabinet.
public enum BoardProbe {
    /// One device's result.
    public struct Entry: Sendable, Hashable {
        public enum Role: String, Sendable { case chip, bus, output, input, meter, inverter, gateway }
        public var id: String
        public var role: Role
        /// Where it is: `gpiochip0 [lanterne-sim] line 4 "photocell"`, `/dev/ttyUSB0 unit 1`.
        public var location: String
        /// What was read, in words (`dark`, `230.1 V, 349.8 W, 12345.670 kWh imported`).
        public var reading: String?
        /// Machine-readable values for `--json`.
        public var values: [String: String]
        /// The failure, when it failed.
        public var error: HALError?
        public var ok: Bool { error == nil }
    }

    /// Probes every device of `board`: chips, buses, outputs, gateways, inputs, meters,
    /// inverters, each in file order.
    public static func run(_ board: Board, lineOptions: ((Board.Bus) -> ModbusLine.Options)? = nil) async -> [Entry] {
        let wiring = await BoardWiring.walk(board, lineOptions: { bus in
            var options = lineOptions?(bus) ?? HardwareSet.options(bus)
            options.faultRetry = .zero          // a probe tries every device once, even after its neighbour failed
            options.faultRetryMax = .zero
            return options
        })
        var entries = wiring.chips.map { chipEntry($0.chip, $0.opened) }
        entries += wiring.buses.map { Entry(id: $0.bus.id, role: .bus, location: $0.line.endpoint.description, reading: nil, values: [:]) }
        for o in wiring.outputs { if let e = await outputEntry(o) { entries.append(e) } }
        for g in wiring.gateways {
            if let status = g.board.statusRegister { entries.append(await gatewayEntry(g, statusRegister: status)) }
        }
        for i in wiring.inputs { if let e = await inputEntry(i) { entries.append(e) } }
        for d in wiring.meters { if let e = await deviceEntry(d, role: .meter) { entries.append(e) } }
        for d in wiring.inverters { if let e = await deviceEntry(d, role: .inverter) { entries.append(e) } }
        await wiring.shutdown()
        return entries
    }

    static func chipEntry(_ c: Board.Chip, _ opened: Result<GPIOChip, HALError>) -> Entry {
        switch opened {
        case .success(let chip):
            return Entry(id: c.id, role: .chip, location: "\(chip.name) [\(chip.label)]", reading: "\(chip.lineCount) lines",
                         values: ["name": chip.name, "label": chip.label, "lines": "\(chip.lineCount)"])
        case .failure(let error):
            return Entry(id: c.id, role: .chip, location: "GPIO chip \"\(c.chip)\"", values: [:], error: error)
        }
    }

    static func simulatedEntry(_ id: String, _ role: Entry.Role) -> Entry {
        Entry(id: id, role: role, location: "simulated", reading: "simulated", values: [:])
    }

    /// The failure of a device the walk could not place; nil when there is nothing to say
    /// (a bus or gateway the board does not define).
    static func unresolvedEntry(_ id: String, _ role: Entry.Role, _ why: BoardWiring.Unresolved) -> Entry? {
        switch why {
        case .chipNotOpened(let spec, let g):
            let place = "GPIO chip \"\(spec)\" \(g.line)"
            return Entry(id: id, role: role, location: place, values: [:],
                         error: HALError(.notFound, device: id, location: place, message: "not probed: chip '\(g.chip)' could not be opened"))
        case .noLine(let error, let chip, let g):
            return Entry(id: id, role: role, location: "\(chip.name) [\(chip.label)] \(g.line)", values: [:], error: error)
        case .undefined:
            return nil
        }
    }

    /// `gpiochip0 [label] line 4 "name"`, and what the kernel says about the line.
    static func gpioPlace(_ chip: GPIOChip, _ offset: Int) async -> (place: String, info: (name: String, used: Bool, consumer: String)?) {
        let info = await chip.info(offset: offset)
        let named = info.map { $0.name.isEmpty ? "" : " \"\($0.name)\"" } ?? ""
        return ("\(chip.name) [\(chip.label)] line \(offset)\(named)", info)
    }

    static func modbusPlace(_ line: ModbusLine, _ unit: Int) -> String { "\(line.endpoint.shortName) unit \(unit)" }

    /// A GPIO output is looked up, never requested; a coil or a gateway level is read back.
    static func outputEntry(_ resolved: BoardWiring.Resolved<Board.Output>) async -> Entry? {
        let id = resolved.device.id
        switch resolved.place {
        case .failure(let why):
            return unresolvedEntry(id, .output, why)
        case .success(.gpio(let chip, let offset, _)):
            let (place, info) = await gpioPlace(chip, offset)
            guard let info, info.used else {
                return Entry(id: id, role: .output, location: place, reading: "free (not driven by the probe)", values: ["used": "false"])
            }
            return Entry(id: id, role: .output, location: place, reading: nil, values: ["consumer": info.consumer],
                         error: GPIOChip.heldLine(consumer: info.consumer, device: id, location: place))
        case .success(.bit(let line, let unit, let address, _, _)):
            let place = "\(modbusPlace(line, unit)) coil \(address)"
            do {
                let on = try await line.readBits(unit: UInt8(unit), address: address, count: 1)[0]
                return Entry(id: id, role: .output, location: place, reading: on ? "on" : "off", values: ["on": "\(on)"])
            } catch {
                return Entry(id: id, role: .output, location: place, values: [:], error: error.halError(device: id))
            }
        case .success(.gatewayChannel(let gw, let channel)):
            let map = HardwareSet.map(gw.board)
            let place = "\(modbusPlace(gw.line, gw.board.unit)) register \(map.levelRegister(channel))"
            do {
                let raw = try await gw.line.readRegisters(unit: UInt8(gw.board.unit), address: map.levelRegister(channel), count: 1)[0]
                let level = map.decode(raw)
                return Entry(id: id, role: .output, location: place, reading: "level \(level) % (register \(raw))",
                             values: ["level": "\(level.percent)", "raw": "\(raw)"])
            } catch {
                return Entry(id: id, role: .output, location: place, values: [:], error: error.halError(device: id))
            }
        case .success(.unit), .success(.simulated):
            return simulatedEntry(id, .output)
        }
    }

    /// A gateway's status registers: which channels report a problem.
    static func gatewayEntry(_ g: BoardWiring.Gateway, statusRegister: Int) async -> Entry {
        let place = "\(modbusPlace(g.line, g.board.unit)) register \(statusRegister)"
        do {
            let status = try await g.device.readStatus() ?? []
            let bad = status.enumerated().filter { $0.element != 0 }
            let text = bad.isEmpty ? "\(g.board.channels) channel(s) healthy" : bad.map { "channel \($0.offset) status \($0.element)" }.joined(separator: ", ")
            return Entry(id: g.board.id, role: .gateway, location: place, reading: text,
                         values: ["status": status.map(String.init).joined(separator: ",")])
        } catch {
            return Entry(id: g.board.id, role: .gateway, location: place, values: [:], error: error)
        }
    }

    /// An input is requested as an input and read.
    static func inputEntry(_ resolved: BoardWiring.Resolved<Board.Input>) async -> Entry? {
        let i = resolved.device
        let place: String
        let read: () async throws(HALError) -> Bool
        switch resolved.place {
        case .failure(let why):
            return unresolvedEntry(i.id, .input, why)
        case .success(.gpio(let chip, let offset, let g)):
            place = await gpioPlace(chip, offset).place
            read = { () async throws(HALError) -> Bool in
                try await GPIODigitalInput(name: i.id, chip: chip, offset: offset, activeLow: g.activeLow, bias: g.bias).read()
            }
        case .success(.bit(let line, let unit, let address, let discrete, let activeLow)):
            place = "\(modbusPlace(line, unit)) \(discrete ? "input" : "coil") \(address)"
            read = { () async throws(HALError) -> Bool in
                try await ModbusBitInput(name: i.id, line: line, unit: UInt8(unit), address: address, discrete: discrete,
                                         activeLow: activeLow).read()
            }
        case .success(.gatewayChannel), .success(.unit), .success(.simulated):
            return simulatedEntry(i.id, .input)
        }
        do {
            let v = try await read()
            return Entry(id: i.id, role: .input, location: place, reading: words(i.kind, v), values: ["active": "\(v)"])
        } catch {
            return Entry(id: i.id, role: .input, location: place, values: [:], error: error)
        }
    }

    /// A meter or an inverter is read once; a SunSpec device's model chain is discovered first.
    static func deviceEntry(_ resolved: BoardWiring.Resolved<Board.Device>, role: Entry.Role) async -> Entry? {
        let d = resolved.device
        guard case .success(.unit(let line, let unit)) = resolved.place else { return simulatedEntry(d.id, role) }
        let place = modbusPlace(line, unit)
        do {
            if let model = HardwareSet.eastron(d.model) {
                let r = try await EastronMeter(name: d.id, line: line, unit: UInt8(unit), model: model).read()
                return Entry(id: d.id, role: role, location: "\(place) (\(d.model.rawValue))", reading: describe(r), values: values(r))
            }
            guard d.model == .sunspec else { return nil }
            let (text, values) = try await sunspec(HardwareSet.sunspec(d, line: line, unit: unit), inverter: role == .inverter)
            return Entry(id: d.id, role: role, location: "\(place) (sunspec)", reading: text, values: values)
        } catch {
            return Entry(id: d.id, role: role, location: "\(place) (\(d.model.rawValue))", values: [:], error: error)
        }
    }

    /// `SunSpec at 40000: models 1, 103; MAKER MODEL SN X; 2178.0 W, 12345.678 kWh produced`.
    static func sunspec(_ dev: SunSpecDevice, inverter: Bool) async throws(HALError) -> (String, [String: String]) {
        let found = try await dev.discover()
        let chain = found.models.map { String($0.id) }.joined(separator: ", ")
        let who = found.common.map { "\($0.manufacturer) \($0.model) SN \($0.serialNumber)" } ?? "no common model"
        var text = "SunSpec at \(found.base): models \(chain); \(who)"
        var v: [String: String] = ["base": "\(found.base)", "models": chain]
        if inverter {
            let r = try await dev.readInverter()
            text += "; " + [r.power.map { "\(format($0.value, 1)) W" }, r.energy.map { "\(format($0.kilowattHours, 3)) kWh produced" }]
                .compactMap { $0 }.joined(separator: ", ")
            v["power_w"] = r.power.map { format($0.value, 1) }
            v["energy_wh"] = r.energy.map { format($0.wattHours, 1) }
        } else {
            let r = try await dev.readMeter()
            text += "; " + [r.power.map { "\(format($0.value, 1)) W" }, r.importEnergy.map { "\(format($0.kilowattHours, 3)) kWh imported" }]
                .compactMap { $0 }.joined(separator: ", ")
            v["power_w"] = r.power.map { format($0.value, 1) }
            v["import_wh"] = r.importEnergy.map { format($0.wattHours, 1) }
        }
        return (text, v)
    }

    static func words(_ kind: Board.InputKind, _ active: Bool) -> String {
        switch kind {
        case .photocell: return active ? "dark" : "light"
        case .door: return active ? "open" : "closed"
        case .presence: return active ? "detecting" : "idle"
        case .breaker: return active ? "tripped" : "closed"
        case .contactorFeedback: return active ? "closed" : "open"
        }
    }

    static func format(_ v: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", v) }

    static func describe(_ r: MeterReading) -> String {
        let v = r.voltage.map { format($0, 1) }.joined(separator: "/"), a = r.current.map { format($0, 2) }.joined(separator: "/")
        return "\(v) V, \(a) A, \(format(r.power.value, 1)) W, \(format(r.importEnergy.kilowattHours, 3)) kWh imported"
    }

    static func values(_ r: MeterReading) -> [String: String] {
        ["voltage_v": r.voltage.map { format($0, 1) }.joined(separator: ","), "current_a": r.current.map { format($0, 3) }.joined(separator: ","),
         "power_w": format(r.power.value, 1), "import_wh": format(r.importEnergy.wattHours, 1),
         "frequency_hz": r.frequency.map { format($0, 2) } ?? ""]
    }
}
