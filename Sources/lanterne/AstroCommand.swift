import ArgumentParser
import Astronomy
import Foundation

/// `lanterne astro`: the sun's events for a place and a local calendar date.
///
/// Thin: validates the arguments, resolves the UTC offset of the zone at local noon, calls
/// `Sun.events` and prints a table (or one JSON object with `--json`). Times are printed in
/// UTC and in the zone's local time, to the second (the model is good to a few seconds below
/// 60° of latitude; see Sources/Astronomy/Sun.swift).
struct AstroCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "astro",
        abstract: "Sun events for a place and a date: dawn, sunrise, solar noon, sunset, dusk.",
        discussion: """
            The date is a calendar date in --tz (default UTC). Sunrise and sunset are for the \
            sun's centre at -0.833° (USNO convention), civil twilight at -6°, nautical at -12°. \
            Events that do not happen (polar night, midnight sun) are shown as — (null in JSON).
            """)

    @Option(name: .customLong("lat"), parsing: .unconditional,
            help: ArgumentHelp("Latitude in degrees, north positive (-90 ... 90).", valueName: "degrees"))
    var latitude: Double

    @Option(name: .customLong("lon"), parsing: .unconditional,
            help: ArgumentHelp("Longitude in degrees, east positive (-180 ... 180).", valueName: "degrees"))
    var longitude: Double

    @Option(help: ArgumentHelp("Local calendar date.", valueName: Day.valueName))
    var date: Day

    @Option(help: ArgumentHelp("IANA time zone of the date and of local times, e.g. Europe/Paris.",
                               valueName: "zone"))
    var tz: String = "UTC"

    @Flag(help: "Print one JSON object (UTC instants) instead of a table.")
    var json = false

    func validate() throws {
        guard latitude.isFinite, (-90...90).contains(latitude) else {
            throw ValidationError("latitude \(latitude) is out of range: expected -90 ... 90 degrees")
        }
        guard longitude.isFinite, (-180...180).contains(longitude) else {
            throw ValidationError("longitude \(longitude) is out of range: expected -180 ... 180 degrees")
        }
        guard TimeZone(identifier: tz) != nil else {
            throw ValidationError("unknown time zone '\(tz)': expected an IANA identifier such as Europe/Paris or UTC")
        }
    }

    func run() throws {
        // validate() has checked all three.
        let day = date.date
        guard let zone = TimeZone(identifier: tz),
              let place = GeoCoordinate(latitude: latitude, longitude: longitude) else {
            throw ValidationError("invalid arguments")
        }
        let offset = Self.utcOffsetAtLocalNoon(of: day, in: zone)
        let events = Sun.events(on: day, at: place, utcOffsetSeconds: offset)
        if json {
            print(try Self.json(events, place: place, zoneName: tz))
        } else {
            print(Self.table(events, place: place, zone: zone, zoneName: tz, noonOffset: offset))
        }
    }

    // MARK: - Time zone

    /// The zone's UTC offset (seconds east) in force at 12:00 local time on `date`.
    static func utcOffsetAtLocalNoon(of date: CivilDate, in zone: TimeZone) -> Int {
        let noonAsIfUTC = Double(date.daysSinceEpoch) * 86_400 + 43_200
        var offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: noonAsIfUTC))
        for _ in 0..<2 {
            offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: noonAsIfUTC - Double(offset)))
        }
        return offset
    }

    // MARK: - Formatting

    /// Whole seconds since 1970 (rounded to the nearest second).
    static func wholeSeconds(_ instant: Date) -> Int {
        Int(instant.timeIntervalSince1970.rounded())
    }

    /// Splits seconds since 1970 (already shifted to the wanted zone) into a date and a clock.
    static func split(_ seconds: Int) -> (date: CivilDate, clock: String) {
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let secondOfDay = seconds - days * 86_400
        let clock = pad(secondOfDay / 3600) + ":" + pad(secondOfDay / 60 % 60) + ":" + pad(secondOfDay % 60)
        return (CivilDate(daysSinceEpoch: days), clock)
    }

    static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// `2026-03-29T05:14:07Z`.
    static func iso8601(_ instant: Date) -> String {
        let (date, clock) = split(wholeSeconds(instant))
        return "\(date)T\(clock)Z"
    }

    /// `+02:00`, `-08:00`, `+05:30`.
    static func offsetText(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        return sign + pad(minutes / 60) + ":" + pad(minutes % 60)
    }

    /// `12 h 43 min 08 s`.
    static func durationText(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return "\(total / 3600) h \(pad(total / 60 % 60)) min \(pad(total % 60)) s"
    }

    static func coordinateText(_ place: GeoCoordinate) -> String {
        func degrees(_ value: Double, _ positive: String, _ negative: String) -> String {
            String(format: "%.4f° %@", abs(value), value < 0 ? negative : positive)
        }
        return degrees(place.latitude, "N", "S") + ", " + degrees(place.longitude, "E", "W")
    }

    static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func table(_ events: SunEvents, place: GeoCoordinate, zone: TimeZone, zoneName: String,
                      noonOffset: Int) -> String {
        let rows: [(String, Date?)] = [
            ("nautical dawn", events.nauticalDawn), ("civil dawn", events.civilDawn),
            ("sunrise", events.sunrise), ("solar noon", events.solarNoon),
            ("sunset", events.sunset), ("civil dusk", events.civilDusk),
            ("nautical dusk", events.nauticalDusk),
        ]
        var lines = [
            "Sun at \(coordinateText(place)) on \(events.date), \(zoneName) (UTC\(offsetText(noonOffset)) at noon)",
            "",
        ]
        var cells: [[String]] = [["event", "UTC", "local (\(zoneName))"]]
        for (name, instant) in rows {
            guard let instant else {
                cells.append([name, "—", "—"])
                continue
            }
            let seconds = wholeSeconds(instant)
            let utc = split(seconds)
            let offset = zone.secondsFromGMT(for: instant)
            let local = split(seconds + offset)
            var localText = "\(local.clock) \(offsetText(offset))"
            if local.date != events.date { localText += " (\(local.date))" }
            cells.append([name, "\(utc.date) \(utc.clock)", localText])
        }
        let widths = (0..<3).map { column in cells.map { $0[column].count }.max() ?? 0 }
        for row in cells {
            lines.append(padded(row[0], widths[0] + 2) + padded(row[1], widths[1] + 2) + row[2])
        }
        lines.append("")
        let dayLength = events.dayLength.map(durationText) ?? "—"
        lines.append(padded("day length", widths[0] + 2) + dayLength)
        lines.append(padded("status", widths[0] + 2) + events.status.rawValue)
        switch events.status {
        case .polarNight:
            lines.append("")
            lines.append("Polar night: the sun's centre stays below -0.833° all day, so there is no sunrise or sunset;"
                + (events.civilDawn == nil ? " it does not even reach civil twilight (-6°)."
                    : " the twilight events above are the only daylight."))
        case .midnightSun:
            lines.append("")
            lines.append("Midnight sun: the sun's centre stays above -0.833° all day, so there is no sunset or sunrise.")
        case .normal:
            if events.sunrise == nil {
                lines.append("")
                lines.append("The sun does not rise within 12 h before solar noon: it is already up (end of the midnight sun).")
            } else if events.sunset == nil {
                lines.append("")
                lines.append("The sun does not set within 12 h after solar noon (start of the midnight sun).")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The `--json` object: UTC instants as ISO 8601 strings ending in `Z`, or null.
    struct Output: Encodable {
        var date: String
        var status: String
        var latitude: Double
        var longitude: Double
        var timeZone: String
        var nauticalDawn: String?
        var civilDawn: String?
        var sunrise: String?
        var solarNoon: String
        var sunset: String?
        var civilDusk: String?
        var nauticalDusk: String?

        enum CodingKeys: String, CodingKey {
            case date, status, latitude, longitude, timeZone
            case nauticalDawn, civilDawn, sunrise, solarNoon, sunset, civilDusk, nauticalDusk
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(date, forKey: .date)
            try c.encode(status, forKey: .status)
            try c.encode(latitude, forKey: .latitude)
            try c.encode(longitude, forKey: .longitude)
            try c.encode(timeZone, forKey: .timeZone)
            // Optionals are encoded as explicit nulls, not omitted.
            try c.encode(nauticalDawn, forKey: .nauticalDawn)
            try c.encode(civilDawn, forKey: .civilDawn)
            try c.encode(sunrise, forKey: .sunrise)
            try c.encode(solarNoon, forKey: .solarNoon)
            try c.encode(sunset, forKey: .sunset)
            try c.encode(civilDusk, forKey: .civilDusk)
            try c.encode(nauticalDusk, forKey: .nauticalDusk)
        }
    }

    static func json(_ events: SunEvents, place: GeoCoordinate, zoneName: String) throws -> String {
        let output = Output(
            date: events.date.description, status: events.status.rawValue,
            latitude: place.latitude, longitude: place.longitude, timeZone: zoneName,
            nauticalDawn: events.nauticalDawn.map(iso8601), civilDawn: events.civilDawn.map(iso8601),
            sunrise: events.sunrise.map(iso8601), solarNoon: iso8601(events.solarNoon),
            sunset: events.sunset.map(iso8601), civilDusk: events.civilDusk.map(iso8601),
            nauticalDusk: events.nauticalDusk.map(iso8601))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(output), as: UTF8.self)
    }
}
