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
public enum InstantText {
    public static func isoUTC(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
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
