import BoardFiles
import Foundation
import GPIO
import HAL
import Lighting
import Modbus
import Units

/// A board's devices, opened: the real drivers behind the HAL protocols. Built by
/// ``HardwareSet/open(_:now:)`` from a ``HAL/Board`` with `driver: hardware`.
public struct HardwareSet: Sendable {
    /// An output as the control loop drives it.
    public enum Output: Sendable {
        case relay(any RelayOutput)
        case dimmer(any Dimmer)
        /// A channel of a gateway: driven through the gateway so that a whole street's
        /// channels go in one frame.
        case gatewayChannel(ModbusDimmingGateway, channel: Int, dimmer: GatewayChannel)
    }

    public var outputs: [String: Output] = [:]
    public var inputs: [String: any DigitalInput] = [:]
    public var presence: [String: GPIOPresenceSensor] = [:]
    public var meters: [String: any EnergyMeter] = [:]
    public var inverters: [String: any PVInverter] = [:]
    public var lines: [String: ModbusLine] = [:]
    public var chips: [String: GPIOChip] = [:]
    public var gateways: [String: ModbusDimmingGateway] = [:]
    /// Devices that could not be opened, each naming its chip, line, bus or port.
    public var failures: [HALError] = []

    public init() {}

    /// The Modbus endpoint of a board bus.
    public static func endpoint(_ bus: Board.Bus) -> ModbusEndpoint {
        switch bus.link {
        case .rtu(let device, let baud, let parity, let dataBits, let stopBits, let rs485):
            return .rtu(.init(device: device, baud: baud, parity: ModbusEndpoint.SerialPort.Parity(rawValue: parity) ?? .none,
                              dataBits: dataBits, stopBits: stopBits, rs485: rs485))
        case .tcp(let host, let port):
            return .tcp(host: host, port: port)
        }
    }

    /// A board bus's timeout and retries as line options.
    public static func options(_ bus: Board.Bus) -> ModbusLine.Options {
        ModbusLine.Options(responseTimeout: .milliseconds(bus.timeoutMilliseconds), retries: bus.retries)
    }

    /// The SunSpec device of a board meter or inverter (its base, or the standard three).
    static func sunspec(_ d: Board.Device, line: ModbusLine, unit: Int) -> SunSpecDevice {
        SunSpecDevice(name: d.id, line: line, unit: UInt8(unit), bases: d.sunspecBase.map { [$0] } ?? SunSpec.baseAddresses)
    }

    /// The Eastron model of a board meter, nil for other models.
    static func eastron(_ model: Board.DeviceModel) -> EastronModel? {
        switch model {
        case .sdm120: return .sdm120
        case .sdm630: return .sdm630
        case .sunspec, .simulated: return nil
        }
    }

    /// The register map of a board gateway.
    public static func map(_ g: Board.Gateway) -> DimmingGatewayMap {
        let switching: DimmingGatewayMap.Switching
        switch g.switching {
        case .none: switching = .none
        case .coil(let a): switching = .coil(address: a)
        case .register(let a, let on, let off): switching = .register(address: a, on: UInt16(on), off: UInt16(off))
        }
        return DimmingGatewayMap(channels: g.channels, levelAddress: g.levelRegister, levelStride: g.levelStride,
                                 fullScale: g.fullScale, switching: switching, statusAddress: g.statusRegister)
    }

    /// Opens every chip and line of a hardware board and builds its devices. Nothing is sent
    /// on Modbus lines yet (they open on first use); GPIO lines are requested now, outputs at
    /// their inactive level unless `initialOutputs` says otherwise. A device that cannot be
    /// opened is listed in ``failures`` and left out; the others are built.
    public static func open(_ board: Board, initialOutputs: [String: Bool] = [:], lineOptions: ((Board.Bus) -> ModbusLine.Options)? = nil,
                            now: @escaping @Sendable () -> Date = { Date() }) async -> HardwareSet {
        var set = HardwareSet()
        for chip in board.chips {
            do { set.chips[chip.id] = try GPIOChip(chip.chip, device: chip.id, now: now) } catch { set.failures.append(error) }
        }
        for bus in board.buses {
            set.lines[bus.id] = ModbusLine(endpoint: endpoint(bus), options: lineOptions?(bus) ?? options(bus))
        }
        for g in board.gateways {
            guard let line = set.lines[g.bus] else { continue }
            set.gateways[g.id] = ModbusDimmingGateway(name: g.id, line: line, unit: UInt8(g.unit), map: map(g))
        }

        func gpio(_ id: String, _ g: Board.GPIOLine) async throws(HALError) -> (GPIOChip, Int)? {
            guard let chip = set.chips[g.chip] else { return nil }   // its failure is already listed
            return (chip, try await chip.offset(of: g.line, device: id))
        }

        for o in board.outputs {
            do {
                switch o.attachment {
                case .gpio(let g):
                    guard let (chip, offset) = try await gpio(o.id, g) else { continue }
                    switch o.kind {
                    case .relay, .dimmer:
                        let relay = try await GPIORelay(name: o.id, chip: chip, offset: offset, activeLow: g.activeLow,
                                                        initial: initialOutputs[o.id] ?? false)
                        set.outputs[o.id] = .relay(relay)
                    case .step:
                        let step = try await GPIOStepDimmer(name: o.id, chip: chip, offset: offset, activeLow: g.activeLow,
                                                            reducedLevel: o.reducedLevel ?? DimLevel(tenths: 500)!)
                        set.outputs[o.id] = .dimmer(step)
                    }
                case .coil(let bus, let unit, let address):
                    guard let line = set.lines[bus] else { continue }
                    set.outputs[o.id] = .relay(ModbusCoilRelay(name: o.id, line: line, unit: UInt8(unit), coil: address))
                case .gatewayChannel(let gid, let channel):
                    guard let gw = set.gateways[gid] else { continue }
                    set.outputs[o.id] = .gatewayChannel(gw, channel: channel, dimmer: gw.channel(channel, name: o.id))
                case .none, .discreteInput, .modbus:
                    continue
                }
            } catch {
                set.failures.append(error)
            }
        }
        for i in board.inputs {
            do {
                switch i.attachment {
                case .gpio(let g):
                    guard let (chip, offset) = try await gpio(i.id, g) else { continue }
                    if i.kind == .presence {
                        set.presence[i.id] = try await GPIOPresenceSensor(name: i.id, chip: chip, offset: offset, activeLow: g.activeLow,
                                                                          bias: g.bias, debounce: .milliseconds(g.debounceMilliseconds))
                    } else {
                        set.inputs[i.id] = try await GPIODigitalInput(name: i.id, chip: chip, offset: offset, activeLow: g.activeLow, bias: g.bias)
                    }
                case .discreteInput(let bus, let unit, let address, let activeLow):
                    guard let line = set.lines[bus] else { continue }
                    set.inputs[i.id] = ModbusBitInput(name: i.id, line: line, unit: UInt8(unit), address: address, discrete: true, activeLow: activeLow)
                case .coil(let bus, let unit, let address):
                    guard let line = set.lines[bus] else { continue }
                    set.inputs[i.id] = ModbusBitInput(name: i.id, line: line, unit: UInt8(unit), address: address, discrete: false)
                case .none, .gatewayChannel, .modbus:
                    continue
                }
            } catch {
                set.failures.append(error)
            }
        }
        for (devices, isInverter) in [(board.meters, false), (board.inverters, true)] {
            for d in devices {
                guard case .modbus(let bus, let unit) = d.attachment, let line = set.lines[bus] else { continue }
                switch d.model {
                case .sdm120, .sdm630:
                    set.meters[d.id] = EastronMeter(name: d.id, line: line, unit: UInt8(unit), model: eastron(d.model)!)
                case .sunspec:
                    let dev = sunspec(d, line: line, unit: unit)
                    if isInverter { set.inverters[d.id] = SunSpecInverter(device: dev) } else { set.meters[d.id] = SunSpecMeter(device: dev) }
                case .simulated:
                    continue
                }
            }
        }
        return set
    }

    /// Releases every GPIO line, closes the chips and the Modbus lines. Drives nothing: the
    /// control loop writes the safe states first (``ControlLoop/shutdown()``), through its
    /// switching guard, which is the only path to the outputs.
    public func shutdown() async {
        for chip in chips.values { await chip.shutdown() }
        for line in lines.values { await line.close() }
    }
}
