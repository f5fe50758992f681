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
        let wiring = await BoardWiring.walk(board, lineOptions: { lineOptions?($0) ?? options($0) }, now: now)
        var set = HardwareSet()
        set.chips = wiring.openChips
        set.lines = wiring.lines
        set.gateways = wiring.gatewaysByID.mapValues(\.device)
        for (_, opened) in wiring.chips {
            if case .failure(let error) = opened { set.failures.append(error) }
        }
        for o in wiring.outputs {
            do { try await set.addOutput(o, initial: initialOutputs[o.device.id] ?? false) } catch { set.failures.append(error) }
        }
        for i in wiring.inputs {
            do { try await set.addInput(i) } catch { set.failures.append(error) }
        }
        for d in wiring.meters { set.addModbusDevice(d, inverter: false) }
        for d in wiring.inverters { set.addModbusDevice(d, inverter: true) }
        return set
    }

    /// Throws when a chip has no such line, or the line cannot be requested; a device whose
    /// chip did not open is left out (the chip's failure is listed).
    static func gpioPlace(_ place: Result<BoardWiring.Place, BoardWiring.Unresolved>) throws(HALError) -> BoardWiring.Place? {
        switch place {
        case .success(let p): return p
        case .failure(.noLine(let error, _, _)): throw error
        case .failure(.chipNotOpened), .failure(.undefined): return nil
        }
    }

    /// A relay or a step line on GPIO, a coil relay or a gateway channel.
    mutating func addOutput(_ resolved: BoardWiring.Resolved<Board.Output>, initial: Bool) async throws(HALError) {
        let o = resolved.device
        switch try Self.gpioPlace(resolved.place) {
        case .gpio(let chip, let offset, let g):
            switch o.kind {
            case .relay, .dimmer:
                outputs[o.id] = .relay(try await GPIORelay(name: o.id, chip: chip, offset: offset, activeLow: g.activeLow, initial: initial))
            case .step:
                let reduced = o.reducedLevel ?? DimLevel.clamping(percent: 50)
                outputs[o.id] = .dimmer(try await GPIOStepDimmer(name: o.id, chip: chip, offset: offset, activeLow: g.activeLow,
                                                                 reducedLevel: reduced))
            }
        case .bit(let line, let unit, let address, _, _):
            outputs[o.id] = .relay(ModbusCoilRelay(name: o.id, line: line, unit: UInt8(unit), coil: address))
        case .gatewayChannel(let gw, let channel):
            outputs[o.id] = .gatewayChannel(gw.device, channel: channel, dimmer: gw.device.channel(channel, name: o.id))
        case .unit, .simulated, nil:
            return
        }
    }

    /// A GPIO input (a presence sensor watches its edges) or a Modbus coil or discrete input.
    mutating func addInput(_ resolved: BoardWiring.Resolved<Board.Input>) async throws(HALError) {
        let i = resolved.device
        switch try Self.gpioPlace(resolved.place) {
        case .gpio(let chip, let offset, let g):
            if i.kind == .presence {
                presence[i.id] = try await GPIOPresenceSensor(name: i.id, chip: chip, offset: offset, activeLow: g.activeLow,
                                                              bias: g.bias, debounce: .milliseconds(g.debounceMilliseconds))
            } else {
                inputs[i.id] = try await GPIODigitalInput(name: i.id, chip: chip, offset: offset, activeLow: g.activeLow, bias: g.bias)
            }
        case .bit(let line, let unit, let address, let discrete, let activeLow):
            inputs[i.id] = ModbusBitInput(name: i.id, line: line, unit: UInt8(unit), address: address, discrete: discrete, activeLow: activeLow)
        case .gatewayChannel, .unit, .simulated, nil:
            return
        }
    }

    /// An Eastron meter, or a SunSpec meter or inverter.
    mutating func addModbusDevice(_ resolved: BoardWiring.Resolved<Board.Device>, inverter: Bool) {
        guard case .success(.unit(let line, let unit)) = resolved.place else { return }
        let d = resolved.device
        if let model = Self.eastron(d.model) {
            meters[d.id] = EastronMeter(name: d.id, line: line, unit: UInt8(unit), model: model)
        } else if d.model == .sunspec {
            let device = Self.sunspec(d, line: line, unit: unit)
            if inverter { inverters[d.id] = SunSpecInverter(device: device) } else { meters[d.id] = SunSpecMeter(device: device) }
        }
    }

    /// Releases every GPIO line, closes the chips and the Modbus lines. Drives nothing: the
    /// control loop writes the safe states first (``ControlLoop/shutdown()``), through its
    /// switching guard, which is the only path to the outputs.
    public func shutdown() async {
        for chip in chips.values { await chip.shutdown() }
        for line in lines.values { await line.close() }
    }
}
