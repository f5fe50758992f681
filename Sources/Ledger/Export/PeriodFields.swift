import Astronomy
import Foundation

/// The five fields every row of a period shares — `period_start_utc`, `period_end_utc`,
/// `period_start_local`, `time_zone`, `cabinet_id` — written by hand into bytes once per
/// period (no formatter, no string per period). The last two, the same for every period, are
/// encoded once.
struct PeriodFields {
    /// The period whose fields `bytes` holds (nil before the first).
    private(set) var start: Int64?
    private(set) var bytes: [UInt8] = []
    private let delimiter: UInt8
    /// The delimiter, the time zone's field, the delimiter and the cabinet's field.
    private let constant: [UInt8]

    init(delimiter: UInt8, zoneField: [UInt8], cabinetField: [UInt8]) {
        self.delimiter = delimiter
        constant = [delimiter] + zoneField + [delimiter] + cabinetField
        bytes.reserveCapacity(80 + constant.count)
    }

    /// Writes the fields of the period [start, end) whose start is `offset` seconds from UTC:
    /// `2026-03-29T01:00:00Z`, `2026-03-29T01:15:00Z`, `2026-03-29T03:00:00+02:00`.
    mutating func update(start: Int64, end: Int64, offset: Int) {
        self.start = start
        bytes.removeAll(keepingCapacity: true)
        Self.appendDateTime(start, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(delimiter)
        Self.appendDateTime(end, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(delimiter)
        Self.appendDateTime(start + Int64(offset), to: &bytes)
        bytes.append(UInt8(ascii: offset < 0 ? "-" : "+"))
        let o = abs(offset)
        Self.appendDigits(o / 3600, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.appendDigits(o / 60 % 60, width: 2, to: &bytes)
        bytes.append(contentsOf: constant)
    }

    /// `YYYY-MM-DDTHH:MM:SS` of `seconds` since the epoch, read as UTC.
    static func appendDateTime(_ seconds: Int64, to bytes: inout [UInt8]) {
        let (days, second) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, secondOfDay) = second < 0 ? (days - 1, Int(second) + 86_400) : (days, Int(second))
        let date = CivilDate(daysSinceEpoch: Int(day))
        appendDigits(date.year, width: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(date.month, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(date.day, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, width: 2, to: &bytes)
    }

    /// A non-negative number in decimal, zero-padded to at least `width` digits (as `%0*d`).
    static func appendDigits(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        var divisor = 1, digits = 1
        while digits < width || value / divisor >= 10 {
            divisor *= 10
            digits += 1
        }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
