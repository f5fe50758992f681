import Astronomy
import Foundation

/// Numbers as people read them: digits grouped by thousands. The one place grouping is
/// written; the CLI groups with a space, the report with a narrow no-break space.
public enum NumberText {
    /// `digits` (an optional `-` then ASCII digits) grouped by thousands: `65686` → `65 686`.
    public static func grouped(_ digits: String, separator: String = " ") -> String {
        var body = Substring(digits)
        let negative = body.first == "-"
        if negative { body = body.dropFirst() }
        guard body.count > 3 else { return digits }
        var out = negative ? "-" : ""
        out.reserveCapacity(body.count + body.count / 3 + 1)
        for (index, character) in body.enumerated() {
            if index > 0 && (body.count - index) % 3 == 0 { out += separator }
            out.append(character)
        }
        return out
    }

    /// A decimal text (`-12345.60`: an optional sign, digits, an optional fraction) with its
    /// integer part grouped: `-12 345.60`.
    public static func groupingInteger(of text: String, separator: String = " ") -> String {
        guard let point = text.firstIndex(of: ".") else { return grouped(text, separator: separator) }
        return grouped(String(text[..<point]), separator: separator) + text[point...]
    }
}


extension NumberText {
    /// `value` with `decimals` places (C's `%.*f` rounding) and its integer part grouped:
    /// `12 345.6`.
    public static func fixed(_ value: Double, decimals: Int, separator: String = " ") -> String {
        groupingInteger(of: String(format: "%.\(decimals)f", value), separator: separator)
    }
}

/// Instants as text in logs, events and notes: ISO 8601 in UTC to the second
/// (`2026-01-01T00:00:00Z`).
///
/// Written by hand from the civil date of the day (``CivilDate``), the fraction of a second
/// dropped as `ISO8601DateFormatter` drops it: every log line and event writes one, and a
/// formatter costs an ICU date format each time (its code and locale data stay in the
/// controller's memory). The ledger's export writes its periods with the same pieces.
public enum InstantText {
    public static func isoUTC(_ date: Date) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        appendDateTime(Int64(date.timeIntervalSince1970.rounded(.down)), to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `YYYY-MM-DDTHH:MM:SS` of `seconds` since the epoch, read as UTC.
    @inlinable public static func appendDateTime(_ seconds: Int64, to bytes: inout [UInt8]) {
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
    @inlinable public static func appendDigits(_ value: Int, width: Int, to bytes: inout [UInt8]) {
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

/// `HOST:PORT` as given to listen on: a host name, an IPv4 address or a bracketed IPv6 address
/// (`[::1]:9464`), and a port from 1 to 65535.
public enum ListenText {
    public static func parse(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        return (host, port)
    }
}
