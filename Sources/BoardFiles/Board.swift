import Foundation
import HAL
import SourceFiles
import Units

/// What the controller hardware is: its GPIO chips, Modbus buses and gateways, and the
/// outputs, inputs, meters and inverters attached to them. Loaded from `boards/*.yaml` by
/// ``BoardLoader``; docs/BOARDS.md describes the file.
///
/// The board is plain data: the drivers (GPIO, Modbus) and the simulated devices are built
/// from it by the Cabinet module, so HAL stays free of C.
public struct Board: Sendable, Hashable {
    public enum Driver: String, Sendable, Hashable, CaseIterable {
        /// Simulated hardware: models of the physics, runs anywhere (the embedded default).
        case simulated
        /// Real hardware: every device names its chip and line, or its bus and unit.
        case hardware
    }
    public enum OutputKind: String, Sendable, Hashable, CaseIterable {
        /// A contactor or relay switching a circuit on and off.
        case relay
        /// A dimming channel (0-10 V, DALI broadcast) with its own relay.
        case dimmer
        /// The step-dimming line of bi-power ballasts: active = reduced power.
        case step
    }
    public enum InputKind: String, Sendable, Hashable, CaseIterable {
        case photocell, presence, door, breaker, contactorFeedback
    }

    /// A GPIO chip, found by label (`pinctrl-bcm2711`), name (`gpiochip0`), number or path.
    public struct Chip: Sendable, Hashable {
        public var id: String
        /// What to open: a label, a name, a number or a /dev path (libgpiod's lookup order).
        public var chip: String
        public var location: SourceLocation
        public init(id: String, chip: String, location: SourceLocation) { self.id = id; self.chip = chip; self.location = location }
    }

    /// A Modbus line.
    public struct Bus: Sendable, Hashable {
        public enum Link: Sendable, Hashable {
            case rtu(device: String, baud: Int, parity: String, dataBits: Int, stopBits: Int, rs485: Bool)
            case tcp(host: String, port: Int)
        }
        public var id: String
        public var link: Link
        /// Reply timeout, milliseconds.
        public var timeoutMilliseconds: Int
        /// Extra attempts for a transient failure.
        public var retries: Int
        public var location: SourceLocation
        public init(id: String, link: Link, timeoutMilliseconds: Int = 500, retries: Int = 2, location: SourceLocation) {
            self.id = id
            self.link = link
            self.timeoutMilliseconds = timeoutMilliseconds
            self.retries = retries
            self.location = location
        }
        /// `/dev/ttyUSB0` or `192.168.1.20:502`.
        public var address: String {
            switch link {
            case .rtu(let device, _, _, _, _, _): return device
            case .tcp(let host, let port): return "\(host):\(port)"
            }
        }
    }

    /// A dimming gateway on a bus, with its register map.
    public struct Gateway: Sendable, Hashable {
        public enum Switching: Sendable, Hashable {
            case none
            case coil(address: Int)
            case register(address: Int, on: Int, off: Int)
        }
        public var id: String
        public var bus: String
        public var unit: Int
        public var channels: Int
        public var levelRegister: Int
        public var levelStride: Int
        /// Register value at 100 %.
        public var fullScale: Int
        public var switching: Switching
        public var statusRegister: Int?
        public var location: SourceLocation
        public init(id: String, bus: String, unit: Int, channels: Int, levelRegister: Int, levelStride: Int = 1,
                    fullScale: Int, switching: Switching = .none, statusRegister: Int? = nil, location: SourceLocation) {
            self.id = id
            self.bus = bus
            self.unit = unit
            self.channels = channels
            self.levelRegister = levelRegister
            self.levelStride = levelStride
            self.fullScale = fullScale
            self.switching = switching
            self.statusRegister = statusRegister
            self.location = location
        }
    }

    /// A GPIO line: which chip, which line (offset or name), how it is wired.
    public struct GPIOLine: Sendable, Hashable {
        public typealias Line = LineAddress
        public typealias Bias = LineBias
        public var chip: String
        public var line: Line
        /// The line is active (on, dark, open, detecting) when it is electrically low.
        public var activeLow: Bool
        /// Inputs: edges closer together than this are one edge (milliseconds; 0 = none).
        public var debounceMilliseconds: Int
        public var bias: Bias
        public init(chip: String, line: Line, activeLow: Bool = false, debounceMilliseconds: Int = 0, bias: Bias = .asIs) {
            self.chip = chip
            self.line = line
            self.activeLow = activeLow
            self.debounceMilliseconds = debounceMilliseconds
            self.bias = bias
        }
    }

    /// What a device is attached to.
    public enum Attachment: Sendable, Hashable {
        /// Simulated: nothing to attach.
        case none
        case gpio(GPIOLine)
        /// A coil of a Modbus I/O module (outputs) or a coil read as an input.
        case coil(bus: String, unit: Int, address: Int)
        /// A discrete input of a Modbus I/O module.
        case discreteInput(bus: String, unit: Int, address: Int, activeLow: Bool)
        /// A channel of a dimming gateway.
        case gatewayChannel(gateway: String, channel: Int)
        /// A Modbus device (meter, inverter) at a unit id.
        case modbus(bus: String, unit: Int)
    }

    public struct Output: Sendable, Hashable {
        public var id: String
        public var kind: OutputKind
        /// Where the circuit goes when the controller cannot trust its decisions.
        public var safeState: SafeState
        /// Shortest time between two switchings the relay tolerates, in seconds.
        public var minimumCycleSeconds: Int
        /// Step outputs: the level of the reduced (active) step.
        public var reducedLevel: DimLevel?
        public var attachment: Attachment
        public var location: SourceLocation
        public init(id: String, kind: OutputKind, safeState: SafeState, minimumCycleSeconds: Int,
                    reducedLevel: DimLevel? = nil, attachment: Attachment = .none, location: SourceLocation) {
            self.id = id
            self.kind = kind
            self.safeState = safeState
            self.minimumCycleSeconds = minimumCycleSeconds
            self.reducedLevel = reducedLevel
            self.attachment = attachment
            self.location = location
        }
    }
    public struct Input: Sendable, Hashable {
        public var id: String
        public var kind: InputKind
        public var attachment: Attachment
        public var location: SourceLocation
        public init(id: String, kind: InputKind, attachment: Attachment = .none, location: SourceLocation) {
            self.id = id
            self.kind = kind
            self.attachment = attachment
            self.location = location
        }
    }
    /// Meter and inverter models the drivers know.
    public enum DeviceModel: String, Sendable, Hashable, CaseIterable {
        case simulated, sdm120, sdm630, sunspec
    }
    /// What a meter's registers measure, when it is not the whole cabinet.
    public enum Measures: Sendable, Hashable {
        /// The meter's import register measures the feeds of these outputs.
        case outputs([String])
        /// Each phase's import register measures the feeds of the outputs listed for it: the
        /// phases in order (L1, L2, L3), empty for a phase that feeds none.
        case phases([[String]])
    }

    public struct Device: Sendable, Hashable {
        public var id: String
        public var model: DeviceModel
        public var attachment: Attachment
        /// SunSpec: where to look for "SunS" (nil = 40000, 0, 50000).
        public var sunspecBase: Int?
        /// Meters: what the registers measure (nil: the whole cabinet, every output).
        public var measures: Measures?
        public var location: SourceLocation
        public init(id: String, model: DeviceModel = .simulated, attachment: Attachment = .none, sunspecBase: Int? = nil,
                    measures: Measures? = nil, location: SourceLocation) {
            self.id = id
            self.model = model
            self.attachment = attachment
            self.sunspecBase = sunspecBase
            self.measures = measures
            self.location = location
        }
    }

    public var id: String
    public var description: String?
    public var driver: Driver
    public var chips: [Chip]
    public var buses: [Bus]
    public var gateways: [Gateway]
    public var outputs: [Output]
    public var inputs: [Input]
    public var meters: [Device]
    public var inverters: [Device]
    public var location: SourceLocation

    public init(id: String, description: String?, driver: Driver, chips: [Chip] = [], buses: [Bus] = [], gateways: [Gateway] = [],
                outputs: [Output], inputs: [Input], meters: [Device], inverters: [Device], location: SourceLocation) {
        self.id = id
        self.description = description
        self.driver = driver
        self.chips = chips
        self.buses = buses
        self.gateways = gateways
        self.outputs = outputs
        self.inputs = inputs
        self.meters = meters
        self.inverters = inverters
        self.location = location
    }

    public func output(_ id: String) -> Output? { outputs.first { $0.id == id } }
    public func input(_ id: String) -> Input? { inputs.first { $0.id == id } }
    public func chip(_ id: String) -> Chip? { chips.first { $0.id == id } }
    public func bus(_ id: String) -> Bus? { buses.first { $0.id == id } }
    public func gateway(_ id: String) -> Gateway? { gateways.first { $0.id == id } }
}
