import Foundation
import Units

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
        InstantText.appendDateTime(start, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(delimiter)
        InstantText.appendDateTime(end, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(delimiter)
        InstantText.appendDateTime(start + Int64(offset), to: &bytes)
        bytes.append(UInt8(ascii: offset < 0 ? "-" : "+"))
        let o = abs(offset)
        InstantText.appendDigits(o / 3600, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        InstantText.appendDigits(o / 60 % 60, width: 2, to: &bytes)
        bytes.append(contentsOf: constant)
    }
}
