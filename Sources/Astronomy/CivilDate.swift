/// A calendar date in the proleptic Gregorian calendar, with no time and no zone.
///
/// Lanterne uses it for local calendar dates (a lighting day is named by the date of its
/// evening) and for the date argument of sun computations. Arithmetic goes through the
/// Julian Day Number, so adding days never touches `Foundation.Calendar`.
public struct CivilDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Four-digit year (1 ... 9999).
    public let year: Int
    /// Month, 1 ... 12.
    public let month: Int
    /// Day of month, 1 ... 28/29/30/31.
    public let day: Int

    /// Creates a date, or returns `nil` when the day does not exist (2026-02-30, month 13, ...).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CivilDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; returns `nil` for anything else, including impossible dates.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The date with the given Julian Day Number (the day count starting at noon UTC on
    /// 1 January 4713 BC, Julian calendar). Algorithm of Fliegel and Van Flandern (1968).
    public init(julianDayNumber jdn: Int) {
        var l = jdn + 68569
        let n = (4 * l) / 146097
        l = l - (146097 * n + 3) / 4
        let i = (4000 * (l + 1)) / 1461001
        l = l - (1461 * i) / 4 + 31
        let j = (80 * l) / 2447
        let d = l - (2447 * j) / 80
        l = j / 11
        self.month = j + 2 - 12 * l
        self.year = 100 * (n - 49) + i + l
        self.day = d
    }

    /// The Julian Day Number of this date (the JD at its noon UTC).
    public var julianDayNumber: Int {
        let a = (14 - month) / 12
        let y = year + 4800 - a
        let m = month + 12 * a - 3
        return day + (153 * m + 2) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 32045
    }

    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int { julianDayNumber - 2_440_588 }

    /// The date `daysSinceEpoch` days after 1970-01-01.
    public init(daysSinceEpoch: Int) { self.init(julianDayNumber: daysSinceEpoch + 2_440_588) }

    /// This date moved by `days` (negative moves back).
    public func adding(days: Int) -> CivilDate { CivilDate(julianDayNumber: julianDayNumber + days) }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(to other: CivilDate) -> Int { other.julianDayNumber - julianDayNumber }

    /// ISO weekday: 1 = Monday ... 7 = Sunday.
    public var isoWeekday: Int { (julianDayNumber % 7) + 1 }

    /// Number of days in this date's month.
    public var daysInMonth: Int { CivilDate.daysIn(month: month, year: year) }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Easter Sunday (Gregorian), anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    public static func easter(year: Int) -> CivilDate {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = ((h + l - 7 * m + 114) % 31) + 1
        return CivilDate(year: year, month: month, day: day)!
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = CivilDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "expected a date YYYY-MM-DD, found '\(text)'"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
