import ControlAPI
import Controller
import Foundation
import Glibc

/// What the running controller keeps across a restart, in its state file: the profile in force
/// and the overrides with their ends. Written whole and atomically after every change
/// (``StateFile``); read back at the start (``ControllerRun``).
public struct ControllerState: Sendable, Equatable, Codable {
    /// The format this program writes and reads.
    public static let currentFormat = 1

    public var format: Int
    /// The cabinet it belongs to: the state of another cabinet is not used.
    public var cabinet: String
    /// The profile in force.
    public var profile: ActiveProfile?
    /// The overrides in force or to come.
    public var overrides: [OverrideRecord]
    /// Every profile that was in force, oldest first.
    public var history: [ProfileHistoryEntry] = []
    /// When it was written (the wall clock, as read then).
    public var savedAt: Date

    public init(cabinet: String, profile: ActiveProfile?, overrides: [OverrideRecord], history: [ProfileHistoryEntry], savedAt: Date) {
        self.format = Self.currentFormat
        self.cabinet = cabinet
        self.profile = profile
        self.overrides = overrides
        self.history = history
        self.savedAt = savedAt
    }

    private enum Key: String, CodingKey { case format, cabinet, profile, overrides, history, savedAt }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        format = try c.decode(Int.self, forKey: .format)
        cabinet = try c.decode(String.self, forKey: .cabinet)
        profile = try c.decodeIfPresent(ActiveProfile.self, forKey: .profile)
        overrides = try c.decode([OverrideRecord].self, forKey: .overrides)
        history = try c.decodeIfPresent([ProfileHistoryEntry].self, forKey: .history) ?? []
        savedAt = try c.decode(Date.self, forKey: .savedAt)
    }
}

/// The controller's state file. A save writes a temporary file beside it, flushes it to the
/// storage, renames it over the old one and flushes the directory: a crash at any moment leaves
/// the old state or the new one, whole. A file that cannot be used (unreadable, not this
/// program's JSON, another cabinet's) is set aside as `PATH.unusable` and the controller starts
/// from its cabinet file.
public struct StateFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// What a start finds.
    public enum Found: Sendable, Equatable {
        /// No state file: a first start.
        case missing
        case state(ControllerState)
        /// A file that cannot be used, and why; it was moved to `PATH.unusable`.
        case unusable(String)
    }

    /// Reads the state of `cabinet`.
    public func load(cabinet: String) -> Found {
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        let problem: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let state = try decoder.decode(ControllerState.self, from: data)
            if state.format != ControllerState.currentFormat {
                problem = "format \(state.format), this program reads format \(ControllerState.currentFormat)"
            } else if state.cabinet != cabinet {
                problem = "it is cabinet \(state.cabinet)'s, this is cabinet \(cabinet)"
            } else {
                return .state(state)
            }
        } catch let error as DecodingError {
            problem = "not a state file: \(Self.describe(error))"
        } catch {
            problem = "\(error.localizedDescription)"
        }
        let aside = path + ".unusable"
        _ = rename(path, aside)
        return .unusable("\(path): \(problem); set aside as \(aside)")
    }

    /// Writes `state` atomically (see the type).
    public func save(_ state: ControllerState) throws(StateFileError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(state) } catch { throw StateFileError(path: path, reason: "\(error)") }
        try AtomicFile.write(data, to: path)
    }

    static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        }
        switch error {
        case .dataCorrupted(let c): return at(c)
        case .keyNotFound(let key, let c): return "\(at(c)) (missing '\(key.stringValue)')"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return at(c)
        @unknown default: return "\(error)"
        }
    }
}

/// Files written whole or not at all: a temporary file beside the target, flushed to the
/// storage, renamed over the target, the directory flushed. A crash at any moment leaves the
/// old file or the new one.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o640) throws(StateFileError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw StateFileError(path: temporary, errno: errno) }
        var written = 0
        let ok = data.withUnsafeBytes { raw -> Bool in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return fsync(fd) == 0
        }
        let saved = errno
        close(fd)
        guard ok else { unlink(temporary); throw StateFileError(path: temporary, errno: saved) }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw StateFileError(path: path, errno: e)
        }
        let directory = (path as NSString).deletingLastPathComponent
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}

/// A state file that could not be written.
public struct StateFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    init(path: String, errno e: Int32) {
        self.init(path: path, reason: String(cString: strerror(e)))
    }
    public var description: String { "cannot write \(path): \(reason)" }
}
