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

    /// Probes every device of `board`, in file order.
    public static func run(_ board: Board, lineOptions: ((Board.Bus) -> ModbusLine.Options)? = nil) async -> [Entry] {
        var entries: [Entry] = []
        var chips: [String: GPIOChip] = [:]
        var lines: [String: ModbusLine] = [:]
        for c in board.chips {
            do {
                let chip = try GPIOChip(c.chip, device: c.id)
                chips[c.id] = chip
                entries.append(Entry(id: c.id, role: .chip, location: "\(chip.name) [\(chip.label)]",
                                     reading: "\(chip.lineCount) lines", values: ["name": chip.name, "label": chip.label, "lines": "\(chip.lineCount)"]))
            } catch {
                entries.append(Entry(id: c.id, role: .chip, location: "GPIO chip \"\(c.chip)\"", values: [:], error: error))
            }
        }
        for b in board.buses {
            var options = lineOptions?(b) ?? HardwareSet.options(b)
            options.faultRetry = .zero          // a probe tries every device once, even after its neighbour failed
            options.faultRetryMax = .zero
            let endpoint = HardwareSet.endpoint(b)
            lines[b.id] = ModbusLine(endpoint: endpoint, options: options)
            entries.append(Entry(id: b.id, role: .bus, location: endpoint.description, reading: nil, values: [:]))
        }

        func gpioPlace(_ id: String, _ g: Board.GPIOLine, role: Entry.Role) async -> (GPIOChip, Int, String)? {
            guard let chip = chips[g.chip] else {
                let spec = board.chip(g.chip)?.chip ?? g.chip
                entries.append(Entry(id: id, role: role, location: "GPIO chip \"\(spec)\" \(g.line)", values: [:],
                                     error: HALError(.notFound, device: id, location: "GPIO chip \"\(spec)\" \(g.line)",
                                                     message: "not probed: chip '\(g.chip)' could not be opened")))
                return nil
            }
            do {
                let offset = try await chip.offset(of: g.line, device: id)
                let info = await chip.info(offset: offset)
                let named = info.map { $0.name.isEmpty ? "" : " \"\($0.name)\"" } ?? ""
                return (chip, offset, "\(chip.name) [\(chip.label)] line \(offset)\(named)")
            } catch {
                entries.append(Entry(id: id, role: role, location: "\(chip.name) [\(chip.label)] \(g.line)", values: [:], error: error))
                return nil
            }
        }
        func modbusPlace(_ bus: String, _ unit: Int) -> String { "\(lines[bus]?.endpoint.shortName ?? bus) unit \(unit)" }

        for o in board.outputs {
            switch o.attachment {
            case .gpio(let g):
                guard let (chip, offset, place) = await gpioPlace(o.id, g, role: .output) else { continue }
                let info = await chip.info(offset: offset)
                if let info, info.used {
                    let holder = info.consumer.isEmpty ? "an unnamed consumer" : "\"\(info.consumer)\""
                    entries.append(Entry(id: o.id, role: .output, location: place, reading: nil, values: ["consumer": info.consumer],
                                         error: HALError(.busy(consumer: info.consumer.isEmpty ? nil : info.consumer), device: o.id,
                                                         location: place, message: "the line is held by \(holder)")))
                } else {
                    entries.append(Entry(id: o.id, role: .output, location: place, reading: "free (not driven by the probe)", values: ["used": "false"]))
                }
            case .coil(let bus, let unit, let address):
                guard let line = lines[bus] else { continue }
                let place = "\(modbusPlace(bus, unit)) coil \(address)"
                do {
                    let on = try await line.readBits(unit: UInt8(unit), address: address, count: 1)[0]
                    entries.append(Entry(id: o.id, role: .output, location: place, reading: on ? "on" : "off", values: ["on": "\(on)"]))
                } catch {
                    entries.append(Entry(id: o.id, role: .output, location: place, values: [:], error: error.halError(device: o.id)))
                }
            case .gatewayChannel(let gid, let channel):
                guard let g = board.gateway(gid), let line = lines[g.bus] else { continue }
                let map = HardwareSet.map(g)
                let place = "\(modbusPlace(g.bus, g.unit)) register \(map.levelRegister(channel))"
                do {
                    let raw = try await line.readRegisters(unit: UInt8(g.unit), address: map.levelRegister(channel), count: 1)[0]
                    let level = map.decode(raw)
                    entries.append(Entry(id: o.id, role: .output, location: place, reading: "level \(level) % (register \(raw))",
                                         values: ["level": "\(level.percent)", "raw": "\(raw)"]))
                } catch {
                    entries.append(Entry(id: o.id, role: .output, location: place, values: [:], error: error.halError(device: o.id)))
                }
            case .none, .discreteInput, .modbus:
                entries.append(Entry(id: o.id, role: .output, location: "simulated", reading: "simulated", values: [:]))
            }
        }
        for g in board.gateways {
            guard let line = lines[g.bus], g.statusRegister != nil else { continue }
            let gw = ModbusDimmingGateway(name: g.id, line: line, unit: UInt8(g.unit), map: HardwareSet.map(g))
            let place = "\(modbusPlace(g.bus, g.unit)) register \(g.statusRegister!)"
            do {
                let status = try await gw.readStatus() ?? []
                let bad = status.enumerated().filter { $0.element != 0 }
                let text = bad.isEmpty ? "\(g.channels) channel(s) healthy" : bad.map { "channel \($0.offset) status \($0.element)" }.joined(separator: ", ")
                entries.append(Entry(id: g.id, role: .gateway, location: place, reading: text,
                                     values: ["status": status.map(String.init).joined(separator: ",")]))
            } catch {
                entries.append(Entry(id: g.id, role: .gateway, location: place, values: [:], error: error))
            }
        }
        for i in board.inputs {
            switch i.attachment {
            case .gpio(let g):
                guard let (chip, offset, place) = await gpioPlace(i.id, g, role: .input) else { continue }
                do {
                    let input = try await GPIODigitalInput(name: i.id, chip: chip, offset: offset, activeLow: g.activeLow, bias: g.bias)
                    let v = try await input.read()
                    entries.append(Entry(id: i.id, role: .input, location: place, reading: words(i.kind, v), values: ["active": "\(v)"]))
                } catch {
                    entries.append(Entry(id: i.id, role: .input, location: place, values: [:], error: error))
                }
            case .discreteInput(let bus, let unit, let address, _), .coil(let bus, let unit, let address):
                var discrete = false, activeLow = false
                if case .discreteInput(_, _, _, let low) = i.attachment { discrete = true; activeLow = low }
                guard let line = lines[bus] else { continue }
                let place = "\(modbusPlace(bus, unit)) \(discrete ? "input" : "coil") \(address)"
                do {
                    let v = try await ModbusBitInput(name: i.id, line: line, unit: UInt8(unit), address: address, discrete: discrete,
                                                     activeLow: activeLow).read()
                    entries.append(Entry(id: i.id, role: .input, location: place, reading: words(i.kind, v), values: ["active": "\(v)"]))
                } catch {
                    entries.append(Entry(id: i.id, role: .input, location: place, values: [:], error: error))
                }
            default:
                entries.append(Entry(id: i.id, role: .input, location: "simulated", reading: "simulated", values: [:]))
            }
        }
        for (devices, role) in [(board.meters, Entry.Role.meter), (board.inverters, .inverter)] {
            for d in devices {
                guard case .modbus(let bus, let unit) = d.attachment, let line = lines[bus] else {
                    entries.append(Entry(id: d.id, role: role, location: "simulated", reading: "simulated", values: [:]))
                    continue
                }
                let place = modbusPlace(bus, unit)
                do {
                    switch d.model {
                    case .sdm120, .sdm630:
                        let r = try await EastronMeter(name: d.id, line: line, unit: UInt8(unit), model: HardwareSet.eastron(d.model)!).read()
                        entries.append(Entry(id: d.id, role: role, location: "\(place) (\(d.model.rawValue))", reading: describe(r), values: values(r)))
                    case .sunspec:
                        let dev = HardwareSet.sunspec(d, line: line, unit: unit)
                        let found = try await dev.discover()
                        let chain = found.models.map { String($0.id) }.joined(separator: ", ")
                        let who = found.common.map { "\($0.manufacturer) \($0.model) SN \($0.serialNumber)" } ?? "no common model"
                        var text = "SunSpec at \(found.base): models \(chain); \(who)"
                        var v: [String: String] = ["base": "\(found.base)", "models": chain]
                        if role == .inverter {
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
                        entries.append(Entry(id: d.id, role: role, location: "\(place) (sunspec)", reading: text, values: v))
                    case .simulated:
                        break
                    }
                } catch {
                    entries.append(Entry(id: d.id, role: role, location: "\(place) (\(d.model.rawValue))", values: [:], error: error))
                }
            }
        }
        for chip in chips.values { await chip.shutdown() }
        for line in lines.values { await line.close() }
        return entries
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
