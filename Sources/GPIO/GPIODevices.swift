import Foundation
import HAL
import Synchronization
import Units

/// A relay or contactor coil on a GPIO line (HAL ``RelayOutput``). It switches when told: the
/// board's minimum cycle is enforced by the control loop's switching guard, for every kind of
/// output alike.
public struct GPIORelay: RelayOutput {
    public let name: String
    public let chip: GPIOChip
    public let offset: Int

    /// Requests the line as an output (consumer "lanterne") at `initial`.
    ///
    /// - Throws: ``HAL/HALError`` `.busy(consumer:)` naming the holder, `.notFound`.
    public init(name: String, chip: GPIOChip, offset: Int, activeLow: Bool, initial: Bool) async throws(HALError) {
        self.name = name
        self.chip = chip
        self.offset = offset
        try await chip.requestOutput(offset: offset, activeLow: activeLow, initial: initial, device: name)
    }

    public func set(on: Bool) async throws(HALError) {
        do { try await chip.set(offset: offset, value: on) } catch { throw error.renamed(to: name) }
    }

    public var state: Bool {
        get async throws(HALError) {
            do { return try await chip.get(offset: offset) } catch { throw error.renamed(to: name) }
        }
    }

    /// De-energises the coil. The line stays requested until the chip shuts down.
    public func halt() async throws(HALError) { try await set(on: false) }
}

/// The step-dimming line of bi-power ballasts (HAL ``Dimmer``): active = reduced power. A
/// level below 100 % activates the step; 100 % releases it. The circuit's relay does on/off.
public struct GPIOStepDimmer: Dimmer {
    public let name: String
    public let relay: GPIORelay
    /// The level the ballasts give on the reduced step.
    public let reducedLevel: DimLevel

    public init(name: String, chip: GPIOChip, offset: Int, activeLow: Bool, reducedLevel: DimLevel) async throws(HALError) {
        self.name = name
        self.reducedLevel = reducedLevel
        relay = try await GPIORelay(name: name, chip: chip, offset: offset, activeLow: activeLow, initial: false)
    }

    public func set(level: DimLevel) async throws(HALError) { try await relay.set(on: Self.stepActive(for: level)) }

    public var level: DimLevel {
        get async throws(HALError) { Self.level(stepActive: try await relay.state, reduced: reducedLevel) }
    }

    /// The step is active (reduced power) for any level below 100 %.
    static func stepActive(for level: DimLevel) -> Bool { level < .full }

    /// What the ballasts give with the step active or released.
    static func level(stepActive: Bool, reduced: DimLevel) -> DimLevel { stepActive ? reduced : .full }

    public func halt() async throws(HALError) { try await relay.halt() }
}

/// A binary input on a GPIO line (HAL ``DigitalInput``): photocell, door, breaker feedback.
public struct GPIODigitalInput: DigitalInput {
    public let name: String
    public let chip: GPIOChip
    public let offset: Int

    public init(name: String, chip: GPIOChip, offset: Int, activeLow: Bool, bias: LineBias) async throws(HALError) {
        self.name = name
        self.chip = chip
        self.offset = offset
        try await chip.requestInput(offset: offset, activeLow: activeLow, bias: bias, device: name)
    }

    public func read() async throws(HALError) -> Bool {
        do { return try await chip.get(offset: offset) } catch { throw error.renamed(to: name) }
    }
}

/// A presence sensor on a GPIO line (HAL ``PresenceSensor``): each debounced rising edge of
/// the logical level is a detection, buffered until read. ``changes`` also delivers every
/// edge as it happens, so a control loop can wake up at once instead of polling.
public final class GPIOPresenceSensor: PresenceSensor {
    public let name: String
    public let chip: GPIOChip
    public let offset: Int
    private let buffer = DetectionBuffer()
    /// Every debounced level change, as soon as the kernel reports it.
    public let changes: AsyncStream<InputChange>
    private let continuation: AsyncStream<InputChange>.Continuation

    public init(name: String, chip: GPIOChip, offset: Int, activeLow: Bool, bias: LineBias,
                debounce: Duration) async throws(HALError) {
        self.name = name
        self.chip = chip
        self.offset = offset
        (changes, continuation) = AsyncStream.makeStream(of: InputChange.self, bufferingPolicy: .bufferingNewest(256))
        let buffer = self.buffer, continuation = self.continuation
        try await chip.requestInput(offset: offset, activeLow: activeLow, bias: bias, debounce: debounce, onChange: { change in
            if change.level { buffer.detections.withLock { $0.append(change.date) } }
            continuation.yield(change)
        }, device: name)
    }

    deinit { continuation.finish() }

    public func readDetections() async throws(HALError) -> [Date] {
        buffer.detections.withLock { b in defer { b.removeAll() }; return b }
    }

    /// The sensor's current level (true while it detects).
    public func read() async throws(HALError) -> Bool {
        do { return try await chip.get(offset: offset) } catch { throw error.renamed(to: name) }
    }
}

/// Detections shared between the chip's queue (writer) and readers.
final class DetectionBuffer: Sendable {
    let detections = Mutex<[Date]>([])
}
