/// A position in a source file: 1-based line and column (columns count Unicode scalars, as
/// libyaml does).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
    /// `FILE:LINE:COL`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// One finding of a loader or validator, printed as `FILE:LINE:COL: error: message`.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible, Error {
    public enum Severity: String, Sendable, Hashable { case error, warning, note }
    public var severity: Severity
    public var location: SourceLocation
    public var message: String

    public init(_ severity: Severity, at location: SourceLocation, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// The findings of loading one or more files. A load succeeds only when it has no error.
public struct Diagnostics: Sendable, Error, CustomStringConvertible {
    public private(set) var items: [Diagnostic] = []
    public init() {}
    public init(_ items: [Diagnostic]) { self.items = items }

    public var errors: [Diagnostic] { items.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { items.filter { $0.severity == .warning } }
    public var hasErrors: Bool { items.contains { $0.severity == .error } }

    public mutating func error(_ message: String, at location: SourceLocation) {
        items.append(Diagnostic(.error, at: location, message))
    }
    public mutating func warning(_ message: String, at location: SourceLocation) {
        items.append(Diagnostic(.warning, at: location, message))
    }
    public mutating func note(_ message: String, at location: SourceLocation) {
        items.append(Diagnostic(.note, at: location, message))
    }
    public mutating func append(contentsOf other: Diagnostics) { items += other.items }

    /// All findings sorted by file, line and column.
    public var sorted: [Diagnostic] {
        items.sorted { ($0.location.file, $0.location.line, $0.location.column)
            < ($1.location.file, $1.location.line, $1.location.column) }
    }

    /// All findings sorted by file, line and column, one per line.
    public var description: String {
        sorted.map(\.description).joined(separator: "\n")
    }
}

/// A loaded value together with its findings: `value` is `nil` whenever there is an error.
public struct Loaded<Value: Sendable>: Sendable {
    public var value: Value?
    public var diagnostics: Diagnostics
    public init(value: Value?, diagnostics: Diagnostics) {
        self.value = diagnostics.hasErrors ? nil : value
        self.diagnostics = diagnostics
    }

    /// The value, or the diagnostics as the thrown error.
    public func get() throws(Diagnostics) -> Value {
        if let value { return value }
        throw diagnostics
    }
}
