import Foundation

/// A cumulative energy register — a meter's imported energy, an inverter's lifetime energy —
/// read at the end of each interval, turned into each interval's energy.
///
/// Such a register only grows, except when it wraps (a counter of ``modulus`` watt-hours
/// starts again at zero), when the meter is reset or replaced, or when a bad value slips
/// through. None of these becomes a negative or a huge interval:
/// - a value below the last one, on a register that cannot wrap or that could not have
///   wrapped in the time, is a reset: the interval's energy is unknown (a gap) and counting
///   starts again from the new value;
/// - an increase larger than the channel can draw in the time (``maximumWatts``) is
///   implausible: a gap too, and counting starts again;
/// - no value (a silent meter) is a gap; the last value stays, so the energy drawn while the
///   meter was silent lands in the first interval it answers again, which spans the silence.
///
/// The last value taken is what the ledger keeps as the meter's register
/// (`MeterReading.registerWh`), so that a restart carries on from it: the energy drawn while
/// the controller was down lands in the first interval after it.
public struct CumulativeRegister: Sendable, Hashable {
    /// A value of the register and when it was read.
    public struct Reading: Sendable, Hashable {
        public var wattHours: Int64
        public var at: Date
        public init(wattHours: Int64, at: Date) {
            self.wattHours = wattHours
            self.at = at
        }
    }

    /// What one value means.
    public enum Outcome: Sendable, Hashable {
        /// The energy since the last value (watt-hours, 0 or more).
        case energy(Int64)
        /// The register wrapped past ``CumulativeRegister/modulus``: the energy counts across.
        case wrapped(energy: Int64, from: Int64, to: Int64)
        /// The register went back (a reset or a replacement): the energy is unknown, and
        /// counting starts again from `to`.
        case reset(from: Int64, to: Int64)
        /// More energy than the channel can draw in the time (`limit`): unknown, and counting
        /// starts again from `to`.
        case implausible(from: Int64, to: Int64, limit: Int64)
        /// The first value: nothing to count from yet.
        case first(Int64)
        /// No value (the meter did not answer): unknown; the last value stays.
        case silent

        /// The interval's energy, when known.
        public var energy: Int64? {
            switch self {
            case .energy(let e), .wrapped(let e, _, _): e
            case .reset, .implausible, .first, .silent: nil
            }
        }
    }

    /// The last value taken, if any.
    public private(set) var last: Reading?
    /// The register's range (it counts `0 ..< modulus` watt-hours, then wraps); nil when it
    /// never wraps.
    public let modulus: Int64?
    /// The most the channel can draw or produce (watts); an increase beyond it over the time
    /// since the last value, with a margin of a tenth and 1 Wh, is implausible. Zero or less:
    /// no limit.
    public let maximumWatts: Double

    public init(last: Reading? = nil, modulus: Int64? = nil, maximumWatts: Double) {
        self.last = last
        self.modulus = modulus
        self.maximumWatts = maximumWatts
    }

    /// The most energy (Wh) the channel can account for between two instants.
    public func limit(from start: Date, to end: Date) -> Int64? {
        guard maximumWatts > 0 else { return nil }
        let hours = max(0, end.timeIntervalSince(start)) / 3600
        return Int64((maximumWatts * hours * 1.1).rounded(.up)) + 1
    }

    /// Takes the value read at `at` (nil: the meter did not answer) and says what it means.
    public mutating func take(_ value: Int64?, at: Date) -> Outcome {
        guard let value else { return .silent }
        guard let previous = last else {
            last = Reading(wattHours: value, at: at)
            return .first(value)
        }
        last = Reading(wattHours: value, at: at)
        let limit = self.limit(from: previous.at, to: at)
        if value >= previous.wattHours {
            let energy = value - previous.wattHours
            if let limit, energy > limit { return .implausible(from: previous.wattHours, to: value, limit: limit) }
            return .energy(energy)
        }
        if let modulus, previous.wattHours < modulus, value >= 0 {
            let energy = modulus - previous.wattHours + value
            if limit.map({ energy <= $0 }) ?? true { return .wrapped(energy: energy, from: previous.wattHours, to: value) }
        }
        return .reset(from: previous.wattHours, to: value)
    }
}

/// Splits a meter's whole watt-hours between the circuits it serves, so that the shares sum to
/// the meter's figure exactly: in proportion to the energy the engine expected of each circuit
/// over the interval; where it expected none but the meter counted some (a day-burner, a stuck
/// contactor), in proportion to the circuits' rated watts; where those are all zero too,
/// equally. Fractions go to the largest remainders (the first circuit on a tie), so no share
/// is off by more than 1 Wh from its exact proportion. The shares are estimates and are
/// recorded as such (docs/LEDGER.md).
public enum Apportionment {
    public static func shares(of total: Int64, expected: [Double], ratedWatts: [Double]) -> [Int64] {
        precondition(expected.count == ratedWatts.count, "one expected energy and one rating per circuit")
        let n = expected.count
        guard n > 0 else { return [] }
        guard total > 0 else { return Array(repeating: 0, count: n) }
        func usable(_ weights: [Double]) -> [Double]? {
            let clean = weights.map { $0.isFinite && $0 > 0 ? $0 : 0 }
            return clean.reduce(0, +) > 0 ? clean : nil
        }
        let weights = usable(expected) ?? usable(ratedWatts) ?? Array(repeating: 1, count: n)
        let sum = weights.reduce(0, +)
        var shares = [Int64](repeating: 0, count: n)
        var remainders: [(fraction: Double, index: Int)] = []
        var given: Int64 = 0
        for i in 0 ..< n {
            let exact = Double(total) * weights[i] / sum
            let whole = Int64(exact.rounded(.down))
            shares[i] = whole
            given += whole
            remainders.append((exact - Double(whole), i))
        }
        remainders.sort { $0.fraction != $1.fraction ? $0.fraction > $1.fraction : $0.index < $1.index }
        var k = 0
        while given < total {
            shares[remainders[k % n].index] += 1
            given += 1
            k += 1
        }
        return shares
    }
}
