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
/// Written by arithmetic on the proleptic Gregorian calendar (the civil date of a day count,
/// H. Hinnant's algorithm), the fraction of a second dropped as `ISO8601DateFormatter` drops
/// it: every log line and event writes one, and a formatter costs an ICU date format each time
/// (its code and locale data stay in the controller's memory).
public enum InstantText {
    public static func isoUTC(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let ofDay = seconds - days * 86_400
        let (year, month, day) = civil(daysSinceEpoch: days)
        var text = ""
        text.reserveCapacity(20)
        if year < 0 { text += "-" }
        pad(abs(year), 4, into: &text)
        text += "-"
        pad(month, 2, into: &text)
        text += "-"
        pad(day, 2, into: &text)
        text += "T"
        pad(ofDay / 3_600, 2, into: &text)
        text += ":"
        pad(ofDay / 60 % 60, 2, into: &text)
        text += ":"
        pad(ofDay % 60, 2, into: &text)
        text += "Z"
        return text
    }

    /// The year, month (1–12) and day (1–31) of the day `days` after 1970-01-01.
    static func civil(daysSinceEpoch days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int, into text: inout String) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
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
