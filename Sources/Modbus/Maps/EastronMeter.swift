import Units

/// The register maps of Eastron's SDM120 (single phase) and SDM630 (three phase) energy
/// meters: IEEE 754 float32 in input registers (function 4), high word first.
///
/// Addresses are 0-based as on the wire (Eastron's documents number them 30001 + address).
/// Energy registers are in kWh.
public enum EastronModel: String, Sendable, Hashable, CaseIterable {
    case sdm120, sdm630

    /// Number of phases measured.
    public var phases: Int { self == .sdm120 ? 1 : 3 }

    public enum Register {
        public static let voltageL1 = 0x0000, voltageL2 = 0x0002, voltageL3 = 0x0004
        public static let currentL1 = 0x0006, currentL2 = 0x0008, currentL3 = 0x000A
        public static let powerL1 = 0x000C, powerL2 = 0x000E, powerL3 = 0x0010
        /// SDM630 only: total system active power.
        public static let totalPower = 0x0034
        public static let frequency = 0x0046
        public static let importEnergy = 0x0048
        public static let exportEnergy = 0x004A
        /// SDM630 only: each phase's import energy (kWh), L1, L2, L3 (30347, 30349, 30351).
        public static let importEnergyL1 = 0x015A
    }

    /// The register spans a full reading needs, before coalescing.
    public var spans: [RequestPlan.Span] {
        typealias R = Register
        var s: [RequestPlan.Span]
        switch self {
        case .sdm120:
            s = [R.voltageL1, R.currentL1, R.powerL1].map { .init(address: $0, count: 2) }
        case .sdm630:
            s = [R.voltageL1, R.voltageL2, R.voltageL3, R.currentL1, R.currentL2, R.currentL3,
                 R.powerL1, R.powerL2, R.powerL3, R.totalPower].map { .init(address: $0, count: 2) }
        }
        s += [R.frequency, R.importEnergy, R.exportEnergy].map { .init(address: $0, count: 2) }
        return s
    }

    /// Decodes a reading from an image holding ``spans``, or nil when a register is missing.
    public func decode(_ image: RegisterImage) -> MeterReading? {
        typealias R = Register
        func f(_ a: Int) -> Double? {
            guard case .float(let v)? = image.value(a, .f32) else { return nil }
            return Double(v)
        }
        let vAddr = [R.voltageL1, R.voltageL2, R.voltageL3].prefix(phases)
        let iAddr = [R.currentL1, R.currentL2, R.currentL3].prefix(phases)
        guard let volts = Optional(vAddr.compactMap(f)), volts.count == phases,
              let amps = Optional(iAddr.compactMap(f)), amps.count == phases,
              let power = f(self == .sdm120 ? R.powerL1 : R.totalPower),
              let hz = f(R.frequency), let imp = f(R.importEnergy), let exp = f(R.exportEnergy) else { return nil }
        return MeterReading(voltage: volts, current: amps, power: Watts(power), frequency: hz,
                            importEnergy: MeterReading.energy(kilowattHours: imp),
                            exportEnergy: MeterReading.energy(kilowattHours: exp))
    }
}

/// What an energy meter measures at one instant.
public struct MeterReading: Sendable, Hashable {
    /// Phase-to-neutral voltages, V (one per phase).
    public var voltage: [Double]
    /// Phase currents, A.
    public var current: [Double]
    /// Total active power, W (negative when exporting).
    public var power: Watts
    /// Supply frequency, Hz (nil when the device does not give it).
    public var frequency: Double?
    /// Cumulative imported active energy.
    public var importEnergy: Energy
    /// Cumulative exported active energy (nil when the device does not give it).
    public var exportEnergy: Energy?

    public init(voltage: [Double], current: [Double], power: Watts, frequency: Double?, importEnergy: Energy, exportEnergy: Energy?) {
        self.voltage = voltage
        self.current = current
        self.power = power
        self.frequency = frequency
        self.importEnergy = importEnergy
        self.exportEnergy = exportEnergy
    }

    /// kWh as a float register → integer milliwatt-hours (rounded; a float32 carries about
    /// seven significant digits, so a 12,345.67 kWh register is good to about 1 Wh).
    static func energy(kilowattHours: Double) -> Energy {
        Energy(milliwattHours: Int64((kilowattHours * 1_000_000).rounded()))
    }
}
