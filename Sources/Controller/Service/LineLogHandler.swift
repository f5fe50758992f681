import Foundation
import Glibc
import Logging
import Units

/// swift-log's output for the controller: one line per message on standard error.
///
/// Under systemd, when standard error is the journal (`$JOURNAL_STREAM` names its device and
/// inode), each line starts with the syslog priority, `<3>` for an error to `<7>` for debug,
/// which journald reads as the entry's level (`journalctl -p warning` then shows the warnings
/// and worse) and strips; the journal adds the time. Elsewhere a line is the UTC instant, the
/// level and the message: `2026-11-30T17:04:05Z warning: clock not trusted: …`. Metadata,
/// when any, follows as `key=value`.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    /// Whether lines carry a syslog priority for the journal (else an instant and a level).
    public let toJournal: Bool
    private let write: @Sendable (String) -> Void

    /// - Parameters:
    ///   - toJournal: nil decides from the environment (``standardErrorIsTheJournal(_:)``).
    ///   - write: where a whole line (with its newline) goes; standard error by default.
    public init(level: Logger.Level = .info, toJournal: Bool? = nil,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        logLevel = level
        self.toJournal = toJournal ?? Self.standardErrorIsTheJournal()
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level
        var line = event.message.description
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        if !all.isEmpty {
            line += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        // One entry per line: a message's own line breaks would split it.
        line = line.replacingOccurrences(of: "\n", with: " ")
        if toJournal {
            write("<\(Self.priority(level))>\(line)\n")
        } else {
            write("\(InstantText.isoUTC(Date())) \(level): \(line)\n")
        }
    }

    /// The syslog priority journald reads from a line's `<N>` prefix.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Whether standard error is the journal's stream: `$JOURNAL_STREAM` is `DEVICE:INODE` of
    /// the stream systemd connected, and standard error is still that file (not redirected).
    public static func standardErrorIsTheJournal(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
