import Astronomy
import Foundation
import Testing

/// One day of the PyEphem reference table (Fixtures/pyephem-reference.csv, written by
/// tools/astro-reference/generate.py): a place, a local date, the UTC offset at local noon, the
/// day status for −0.833° and the UTC instant of each event (`nil` when it does not happen).
struct ReferenceDay: CustomStringConvertible {
    var place: String
    var coordinate: GeoCoordinate
    var date: CivilDate
    var utcOffsetSeconds: Int
    var status: DayStatus?
    var events: [String: Date?] = [:]

    var description: String {
        "\(place) (\(coordinate.latitude), \(coordinate.longitude)) \(date) UTC\(utcOffsetSeconds >= 0 ? "+" : "")\(utcOffsetSeconds / 3600)h"
    }
}

enum ReferenceTableError: Error, CustomStringConvertible {
    case missingFixture
    case badRow(line: Int, text: String)

    var description: String {
        switch self {
        case .missingFixture: return "Fixtures/pyephem-reference.csv is not in the test bundle"
        case .badRow(let line, let text): return "pyephem-reference.csv:\(line): cannot parse '\(text)'"
        }
    }
}

enum ReferenceTable {
    /// The event names of the table, in the order of a day.
    static let eventNames = ["nauticalDawn", "civilDawn", "sunrise", "solarNoon", "sunset", "civilDusk", "nauticalDusk"]

    static func fixtureURL() throws -> URL {
        // `.copy("Fixtures")` keeps the directory in the resource bundle.
        guard let url = Bundle.module.url(forResource: "pyephem-reference", withExtension: "csv",
                                          subdirectory: "Fixtures") else {
            throw ReferenceTableError.missingFixture
        }
        return url
    }

    /// All days of the table, in file order.
    static func load() throws -> [ReferenceDay] {
        let text = try String(contentsOf: try fixtureURL(), encoding: .utf8)
        var days: [ReferenceDay] = []
        var index: [String: Int] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("place,") { continue }
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 7, let lat = Double(f[1]), let lon = Double(f[2]),
                  let coordinate = GeoCoordinate(latitude: lat, longitude: lon),
                  let date = CivilDate(f[3]), let offset = Int(f[4]) else {
                throw ReferenceTableError.badRow(line: number + 1, text: String(line))
            }
            let key = "\(f[0])|\(f[3])"
            if index[key] == nil {
                index[key] = days.count
                days.append(ReferenceDay(place: f[0], coordinate: coordinate, date: date, utcOffsetSeconds: offset))
            }
            let i = index[key]!
            if f[5] == "status" {
                guard let status = DayStatus(rawValue: f[6]) else {
                    throw ReferenceTableError.badRow(line: number + 1, text: String(line))
                }
                days[i].status = status
            } else if f[6].isEmpty {
                days[i].events[f[5]] = .some(nil)
            } else {
                guard let instant = parseUTC(f[6]) else {
                    throw ReferenceTableError.badRow(line: number + 1, text: String(line))
                }
                days[i].events[f[5]] = instant
            }
        }
        return days
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` without Foundation's formatters.
    static func parseUTC(_ text: String) -> Date? {
        guard text.hasSuffix("Z"), let t = text.firstIndex(of: "T"),
              let date = CivilDate(text[..<t]) else { return nil }
        let clock = text[text.index(after: t)..<text.index(before: text.endIndex)].split(separator: ":")
        guard clock.count == 3, let h = Int(clock[0]), let m = Int(clock[1]), let s = Double(clock[2]) else {
            return nil
        }
        return Date(timeIntervalSince1970: Double(date.daysSinceEpoch) * 86_400 + Double(h * 3600 + m * 60) + s)
    }
}

extension SunEvents {
    /// The event of the given reference-table name.
    func event(named name: String) -> Date? {
        switch name {
        case "nauticalDawn": return nauticalDawn
        case "civilDawn": return civilDawn
        case "sunrise": return sunrise
        case "solarNoon": return solarNoon
        case "sunset": return sunset
        case "civilDusk": return civilDusk
        case "nauticalDusk": return nauticalDusk
        default: return nil
        }
    }
}
