import Units

/// The register map of a dimming gateway (Modbus-to-DALI, Modbus-to-0-10 V): one level
/// register per channel, an optional on/off coil or register per channel, an optional status
/// register per channel. Given in the board file, since every vendor numbers differently.
/// Pure encode/decode; the ``ModbusDimmingGateway`` does the I/O.
public struct DimmingGatewayMap: Sendable, Hashable {
    /// How a channel is switched on and off, besides its level.
    public enum Switching: Sendable, Hashable {
        /// Level 0 means off; nothing else to write.
        case none
        /// One coil per channel from `address` (function 5/15), on = 1.
        case coil(address: Int)
        /// One holding register per channel from `address`, with the values for on and off.
        case register(address: Int, on: UInt16, off: UInt16)
    }

    /// Number of channels (DALI groups or broadcast lines, 0-10 V outputs).
    public var channels: Int
    /// Holding register of channel 0's level; channel i is at `levelAddress + i × levelStride`.
    public var levelAddress: Int
    public var levelStride: Int
    /// The register value that means 100 % (254 for a DALI arc level, 1000 for tenths of a
    /// percent, 100 for percent, 10000 for 0-10 V in millivolts).
    public var fullScale: Int
    public var switching: Switching
    /// Holding register of channel 0's status (channel i at `+ i`): 0 means healthy, any other
    /// value is a fault code (lamp failure, driver failure, bus short...). nil when absent.
    public var statusAddress: Int?

    public init(channels: Int, levelAddress: Int, levelStride: Int = 1, fullScale: Int,
                switching: Switching = .none, statusAddress: Int? = nil) {
        self.channels = channels
        self.levelAddress = levelAddress
        self.levelStride = levelStride
        self.fullScale = fullScale
        self.switching = switching
        self.statusAddress = statusAddress
    }

    /// The level register's address for `channel`.
    public func levelRegister(_ channel: Int) -> Int { levelAddress + channel * levelStride }

    /// A level as the register value (rounded to the nearest step).
    public func encode(_ level: DimLevel) -> UInt16 {
        UInt16((Double(level.tenths) * Double(fullScale) / 1000).rounded())
    }

    /// A register value as a level (values above full scale read as 100 %).
    public func decode(_ value: UInt16) -> DimLevel {
        let tenths = min(1000, Int((Double(value) * 1000 / Double(fullScale)).rounded()))
        return DimLevel(tenths: tenths) ?? .full
    }

    /// The frames that set the given channels: level registers grouped into consecutive runs
    /// (one function-16 frame each) and switch coils or registers likewise.
    public func commands(for levels: [(channel: Int, level: DimLevel)]) -> GatewayCommands {
        var registers: [(address: Int, value: UInt16)] = levels.map { (levelRegister($0.channel), encode($0.level)) }
        var coils: [Int: Bool] = [:]
        switch switching {
        case .none: break
        case .coil(let base):
            for l in levels { coils[base + l.channel] = !l.level.isOff }
        case .register(let base, let on, let off):
            registers += levels.map { (base + $0.channel, $0.level.isOff ? off : on) }
        }
        var coilRuns: [(address: Int, values: [Bool])] = []
        for a in coils.keys.sorted() {
            if let last = coilRuns.last, last.address + last.values.count == a {
                coilRuns[coilRuns.count - 1].values.append(coils[a]!)
            } else {
                coilRuns.append((a, [coils[a]!]))
            }
        }
        return GatewayCommands(registerWrites: RequestPlan.writes(registers),
                               coilWrites: coilRuns.map { GatewayCommands.CoilWrite(address: $0.address, values: $0.values) })
    }

    /// The status spans to read for every channel (nil when the map has no status).
    public var statusSpan: RequestPlan.Span? { statusAddress.map { .init(address: $0, count: channels) } }

    /// Per-channel status codes (0 = healthy) from an image holding ``statusSpan``.
    public func decodeStatus(_ image: RegisterImage) -> [UInt16]? {
        guard let a = statusAddress else { return nil }
        return image.registers(a, channels)
    }
}

/// The frames that carry a set of gateway channel commands.
public struct GatewayCommands: Sendable, Hashable {
    public struct CoilWrite: Sendable, Hashable {
        public var address: Int
        public var values: [Bool]
    }
    /// Register writes, one frame each (function 6 for one register, 16 for a run).
    public var registerWrites: [RequestPlan.Write]
    /// Coil writes, one frame each (function 5 for one coil, 15 for a run).
    public var coilWrites: [CoilWrite]
}
