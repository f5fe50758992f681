import Foundation
import Units

/// SunSpec: the register layout shared by many PV inverters and meters. A device starts with
/// the marker "SunS" at 40000 (or 0, or 50000) in holding registers, followed by a chain of
/// models, each `[id, length, length registers...]`, ending with id 0xFFFF.
///
/// This type holds the pure parts: the marker, the chain walk and the decoders of models 1
/// (common), 101-103 (inverters) and 201-204 (meters). Point offsets below count from the
/// model's first register (its id), as in the SunSpec model definitions (`model_103.json`).
public enum SunSpec {
    /// "SunS" as two registers.
    public static let marker: [UInt16] = [0x5375, 0x6E53]
    /// Where the marker is looked for, in order.
    public static let baseAddresses = [40_000, 0, 50_000]
    /// The id that ends a model chain.
    public static let endModel: UInt16 = 0xFFFF

    /// One model in a device's chain.
    public struct ModelHeader: Sendable, Hashable {
        /// The model id (1 common, 101-103 inverters, 201-204 meters, ...).
        public var id: UInt16
        /// Address of the model's id register.
        public var address: Int
        /// Registers after the two header registers.
        public var length: Int
        public init(id: UInt16, address: Int, length: Int) { self.id = id; self.address = address; self.length = length }
        /// The span from the id register to the model's last register.
        public var span: RequestPlan.Span { .init(address: address, count: length + 2) }
        /// The next model's address.
        public var next: Int { address + 2 + length }
    }

    /// The inverter models this driver decodes.
    public static let inverterModels: ClosedRange<UInt16> = 101...103
    /// The meter models this driver decodes.
    public static let meterModels: ClosedRange<UInt16> = 201...204

    // MARK: - Values

    /// A scaled SunSpec value: raw × 10^scaleFactor, nil when the point is "not implemented".
    static func scaled(_ raw: Double?, _ sf: Int?) -> Double? {
        guard let raw, let sf else { return nil }
        var v = raw
        if sf > 0 { for _ in 0..<sf { v *= 10 } } else if sf < 0 { for _ in 0..<(-sf) { v /= 10 } }
        return v
    }

    static func uint16(_ image: RegisterImage, _ a: Int) -> Double? {
        guard let r = image[a], r != 0xFFFF else { return nil }
        return Double(r)
    }
    static func int16(_ image: RegisterImage, _ a: Int) -> Double? {
        guard let r = image[a], r != 0x8000 else { return nil }
        return Double(Int16(bitPattern: r))
    }
    /// A scale factor (sunssf): -10...10, nil when not implemented.
    static func sunssf(_ image: RegisterImage, _ a: Int) -> Int? {
        guard let r = image[a], r != 0x8000 else { return nil }
        let v = Int(Int16(bitPattern: r))
        return (-10...10).contains(v) ? v : nil
    }
    /// An acc32 accumulator; 0 means "not implemented" in SunSpec.
    static func acc32(_ image: RegisterImage, _ a: Int) -> UInt32? {
        guard let hi = image[a], let lo = image[a + 1] else { return nil }
        let v = UInt32(hi) << 16 | UInt32(lo)
        return v == 0 ? nil : v
    }
    /// Exact energy from an acc32 Wh accumulator and its scale factor.
    static func energy(_ raw: UInt32?, _ sf: Int?) -> Energy? {
        guard let raw, let sf else { return nil }
        var mWh = Int64(raw) * 1000
        if sf > 0 { for _ in 0..<sf { mWh *= 10 } } else if sf < 0 { for _ in 0..<(-sf) { mWh /= 10 } }
        return Energy(milliwattHours: mWh)
    }
    /// A string point: ASCII, NUL-padded.
    static func string(_ image: RegisterImage, _ a: Int, _ count: Int) -> String? {
        guard let regs = image.registers(a, count) else { return nil }
        var bytes: [UInt8] = []
        for r in regs { bytes.append(UInt8(r >> 8)); bytes.append(UInt8(r & 0xFF)) }
        let text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        return text.trimmingCharacters(in: .whitespaces)
    }

    // MARK: - Model 1

    /// Model 1, the common block: who made the device.
    public struct Common: Sendable, Hashable {
        public var manufacturer: String
        public var model: String
        public var version: String
        public var serialNumber: String
        /// Decodes model 1 at `header.address` from `image`.
        public static func decode(_ image: RegisterImage, header: ModelHeader) -> Common? {
            let a = header.address
            guard header.id == 1, let mn = string(image, a + 2, 16), let md = string(image, a + 18, 16),
                  let vr = string(image, a + 42, 8), let sn = string(image, a + 50, 16) else { return nil }
            return Common(manufacturer: mn, model: md, version: vr, serialNumber: sn)
        }
    }

    // MARK: - Models 101-103

    /// A reading of an inverter model (101 single phase, 102 split phase, 103 three phase).
    public struct InverterReading: Sendable, Hashable {
        public var model: UInt16
        /// AC power, W.
        public var power: Watts?
        /// Lifetime AC energy (`WH`, acc32 × 10^`WH_SF`).
        public var energy: Energy?
        /// AC current, A.
        public var current: Double?
        /// Phase A voltage, V.
        public var voltage: Double?
        /// Frequency, Hz.
        public var frequency: Double?
        /// Operating state (`St`: 1 off, 2 sleeping, 3 starting, 4 MPPT, 5 throttled, 6 shutting
        /// down, 7 fault, 8 standby).
        public var state: UInt16?

        public static func decode(_ image: RegisterImage, header: ModelHeader) -> InverterReading? {
            guard inverterModels.contains(header.id) else { return nil }
            let a = header.address
            guard image.registers(a, min(header.length + 2, 40)) != nil else { return nil }
            return InverterReading(
                model: header.id,
                power: scaled(int16(image, a + 14), sunssf(image, a + 15)).map(Watts.init),
                energy: SunSpec.energy(acc32(image, a + 24), sunssf(image, a + 26)),
                current: scaled(uint16(image, a + 2), sunssf(image, a + 6)),
                voltage: scaled(uint16(image, a + 10), sunssf(image, a + 13)),
                frequency: scaled(uint16(image, a + 16), sunssf(image, a + 17)),
                state: image[a + 38].flatMap { $0 == 0xFFFF ? nil : $0 })
        }
    }

    // MARK: - Models 201-204

    /// A reading of a meter model (201 single phase, 202 split, 203 wye, 204 delta).
    public struct MeterModelReading: Sendable, Hashable {
        public var model: UInt16
        /// Total real power, W (positive when importing).
        public var power: Watts?
        /// Total imported real energy (`TotWhImp` × 10^`TotWh_SF`).
        public var importEnergy: Energy?
        /// Total exported real energy (`TotWhExp`).
        public var exportEnergy: Energy?
        /// Average current, A.
        public var current: Double?
        /// Phase A to neutral voltage, V.
        public var voltage: Double?
        public var frequency: Double?

        public static func decode(_ image: RegisterImage, header: ModelHeader) -> MeterModelReading? {
            guard meterModels.contains(header.id) else { return nil }
            let a = header.address
            guard image.registers(a, min(header.length + 2, 55)) != nil else { return nil }
            let whSF = sunssf(image, a + 54)
            return MeterModelReading(
                model: header.id,
                power: scaled(int16(image, a + 18), sunssf(image, a + 22)).map(Watts.init),
                importEnergy: SunSpec.energy(acc32(image, a + 46), whSF),
                exportEnergy: SunSpec.energy(acc32(image, a + 38), whSF),
                current: scaled(int16(image, a + 2), sunssf(image, a + 6)),
                voltage: scaled(int16(image, a + 8), sunssf(image, a + 15)),
                frequency: scaled(int16(image, a + 16), sunssf(image, a + 17)))
        }
    }
}
