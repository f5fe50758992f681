import Foundation
import Units

/// Text for numbers, money and dates in a report. Numbers are grouped by thousands with a
/// narrow no-break space ("65 686"), negative numbers use the minus sign (U+2212), and any
/// value that is missing or not finite is shown as an em dash.
enum ReportFormat {
    /// Shown for a missing or non-finite value.
    static let missing = "—"
    /// Narrow no-break space, the thousands separator.
    static let groupSeparator = "\u{202F}"
    /// No-break space, between a number and its unit.
    static let unitSeparator = "\u{00A0}"
    /// The minus sign.
    static let minus = "\u{2212}"

    /// `value` rounded to `decimals` places with thousands grouping; "—" when not finite or
    /// too large to print exactly.
    static func number(_ value: Double?, decimals: Int = 0, signed: Bool = false) -> String {
        guard let value, value.isFinite else { return missing }
        let places = max(0, min(decimals, 6))
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return missing }
        let units = Int64(scaled)
        let divisor = Int64(scale)
        let integer = units / divisor
        let fraction = units % divisor
        var text = grouped(String(integer))
        if places > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: places - digits.count) + digits
        }
        if units == 0 { return text }
        if value < 0 { return minus + text }
        return signed ? "+" + text : text
    }

    /// `value` with its unit ("65 686 kWh"), or "—".
    static func quantity(_ value: Double?, _ unit: String, decimals: Int = 0,
                         signed: Bool = false) -> String {
        let text = number(value, decimals: decimals, signed: signed)
        return text == missing ? missing : text + unitSeparator + unit
    }

    /// A percentage ("82.9 %"), or "—".
    static func percent(_ value: Double?, decimals: Int = 1, signed: Bool = false) -> String {
        quantity(value, "%", decimals: decimals, signed: signed)
    }

    /// A coverage percentage, rounded down so that it never reads as complete when it is
    /// not: one decimal, or two when one would show 100.0 for less than 100 ("99.95").
    static func coverage(_ value: Double?, unit: Bool = false) -> String {
        guard let value, value.isFinite else { return missing }
        let places = value < 100 && (value * 10).rounded(.down) >= 999 ? 2 : 1
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let floored = (value * scale).rounded(.down) / scale
        return unit ? percent(floored, decimals: places) : number(floored, decimals: places)
    }

    /// Energy in kWh, with decimals only for small values.
    static func kWh(_ value: Double?, signed: Bool = false) -> String {
        guard let value, value.isFinite else { return missing }
        return quantity(value, "kWh", decimals: abs(value) < 100 && value != 0 ? 1 : 0, signed: signed)
    }

    /// A mass of CO2-equivalent: kilograms below one tonne, tonnes above.
    static func co2e(kilograms value: Double?) -> String {
        guard let value, value.isFinite else { return missing }
        if abs(value) >= 1000 { return quantity(value / 1000, "t CO₂e", decimals: 2) }
        return quantity(value, "kg CO₂e", decimals: 0)
    }

    /// An amount of money with its currency code ("8 177 EUR"), or "—".
    static func money(_ value: Decimal?, currency: String, decimals: Int = 0,
                      signed: Bool = false) -> String {
        guard let value, !value.isNaN else { return missing }
        let text = decimal(value, decimals: decimals, signed: signed)
        return text == missing ? missing : text + unitSeparator + currency
    }

    /// A `Decimal` rounded half away from zero to `decimals` places, grouped.
    static func decimal(_ value: Decimal, decimals: Int, signed: Bool = false) -> String {
        guard !value.isNaN else { return missing }
        var source = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &source, max(0, decimals), .plain)
        var digits = rounded.description  // "-120000", "8177.5"; locale-independent
        var negative = false
        if digits.hasPrefix("-") {
            negative = true
            digits.removeFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 1).map(String.init)
        guard let integer = parts.first, !integer.isEmpty,
              integer.allSatisfy(\.isASCII), integer.allSatisfy(\.isNumber) else { return missing }
        var text = grouped(integer)
        if decimals > 0 {
            var fraction = parts.count > 1 ? parts[1] : ""
            fraction += String(repeating: "0", count: max(0, decimals - fraction.count))
            text += "." + fraction.prefix(decimals)
        }
        let isZero = rounded == 0
        if isZero { return text }
        if negative { return minus + text }
        return signed ? "+" + text : text
    }

    /// `digits` (ASCII digits only) grouped by three from the right.
    static func grouped(_ digits: String) -> String { NumberText.grouped(digits, separator: groupSeparator) }

    // MARK: Dates

    /// English month abbreviations, January first.
    static let monthAbbreviations = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    /// English month names, January first.
    static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                             "August", "September", "October", "November", "December"]

    /// A Gregorian calendar in `zone`.
    static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    /// The local date of `date` in `zone`: "1 January 2025".
    static func longDate(_ date: Date, in zone: TimeZone) -> String {
        let parts = calendar(zone).dateComponents([.year, .month, .day], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day,
              (1...12).contains(month) else { return missing }
        return "\(day) \(monthNames[month - 1]) \(year)"
    }

    /// The local month of `date` in `zone` as (abbreviation, year): ("Jan", 2025).
    static func month(_ date: Date, in zone: TimeZone) -> (name: String, year: Int) {
        let parts = calendar(zone).dateComponents([.year, .month], from: date)
        guard let year = parts.year, let month = parts.month, (1...12).contains(month) else {
            return (missing, 0)
        }
        return (monthAbbreviations[month - 1], year)
    }

    /// The local date and time of `date` in `zone` with its UTC offset:
    /// "2026-01-05 10:32 (UTC+01:00)".
    static func timestamp(_ date: Date, in zone: TimeZone) -> String {
        let parts = calendar(zone).dateComponents([.year, .month, .day, .hour, .minute], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day,
              let hour = parts.hour, let minute = parts.minute else { return missing }
        let offset = zone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "−" : "+"
        let hours = abs(offset) / 3600, minutes = abs(offset) % 3600 / 60
        return "\(year)-\(pad(month))-\(pad(day)) \(pad(hour)):\(pad(minute)) "
            + "(UTC\(sign)\(pad(hours)):\(pad(minutes)))"
    }

    /// The local dates of a half-open period: "1 January 2025 – 31 December 2025" (the last
    /// day shown is the one containing the last instant before `end`).
    static func period(from start: Date, to end: Date, in zone: TimeZone) -> String {
        guard end > start else { return longDate(start, in: zone) }
        let first = longDate(start, in: zone)
        let last = longDate(end.addingTimeInterval(-1), in: zone)
        return first == last ? first : first + " – " + last
    }

    /// Two-digit zero padding.
    static func pad(_ value: Int) -> String { value < 10 && value >= 0 ? "0\(value)" : "\(value)" }
}
