import CGPIOD
import Foundation
import HAL

/// What Lanterne asks the kernel for when it requests a line, decided before any C call and
/// put in the terms of the version-neutral shim (Sources/CGPIOD): the shim turns active-low,
/// the bias and the edges into libgpiod's own flags.
struct LineRequest: Sendable, Hashable {
    enum Direction: Sendable, Hashable {
        /// Driven, from `initial` (the logical level: active-low is applied by the kernel).
        case output(initial: Bool)
        /// Read with `bias`; with `edges`, the kernel queues both edges as events.
        case input(bias: LineBias, edges: Bool)
    }

    var offset: Int
    /// The line is active (logical 1) when it is electrically low.
    var activeLow: Bool
    var direction: Direction

    static func output(offset: Int, activeLow: Bool, initial: Bool) -> LineRequest {
        LineRequest(offset: offset, activeLow: activeLow, direction: .output(initial: initial))
    }

    /// An input; `watched` when its changes are delivered (a presence sensor, the gpio-sim
    /// bed's inputs), which needs the kernel's edge events.
    static func input(offset: Int, activeLow: Bool, bias: LineBias, watched: Bool) -> LineRequest {
        LineRequest(offset: offset, activeLow: activeLow, direction: .input(bias: bias, edges: watched))
    }

    /// The shim's line number.
    var line: UInt32 { UInt32(offset) }

    /// The value an output is driven to when it is requested (logical): 1 or 0.
    var initialValue: Int32 {
        if case .output(initial: true) = direction { return 1 }
        return 0
    }

    /// The shim's bias constant (`LANTERNE_GPIO_BIAS_*`); outputs take none.
    var biasCode: Int32 {
        guard case .input(let bias, _) = direction else { return Int32(LANTERNE_GPIO_BIAS_AS_IS) }
        return Self.biasCode(bias)
    }

    /// Whether the kernel queues edge events for the line.
    var edges: Bool {
        if case .input(_, edges: true) = direction { return true }
        return false
    }

    static func biasCode(_ bias: LineBias) -> Int32 {
        switch bias {
        case .asIs: return Int32(LANTERNE_GPIO_BIAS_AS_IS)
        case .disabled: return Int32(LANTERNE_GPIO_BIAS_DISABLE)
        case .pullUp: return Int32(LANTERNE_GPIO_BIAS_PULL_UP)
        case .pullDown: return Int32(LANTERNE_GPIO_BIAS_PULL_DOWN)
        }
    }
}

/// The pure decisions of a chip: where a board's line address lands, and what a failure to
/// open a chip or request a line says.
extension GPIOChip {
    /// The offset of `line` on a chip of `lineCount` lines (`place`: `gpiochip0 [label]`);
    /// `lineNamed` finds a line by name (libgpiod's lookup, first match).
    ///
    /// - Throws: `.notFound` naming the chip and the line.
    static func resolve(_ line: LineAddress, lineCount: Int, place: String, device: String,
                        lineNamed: (String) -> Int?) throws(HALError) -> Int {
        switch line {
        case .offset(let o):
            guard (0..<lineCount).contains(o) else {
                throw HALError(.notFound, device: device, location: "\(place) line \(o)", message: "the chip has lines 0 to \(lineCount - 1)")
            }
            return o
        case .name(let n):
            guard let o = lineNamed(n) else {
                throw HALError(.notFound, device: device, location: "\(place) line \"\(n)\"", message: "no line of that name on this chip")
            }
            return o
        }
    }

    /// A chip that could not be opened: `.busy` when permission was refused, `.notFound`
    /// otherwise, listing the chips present (`present`: name and label of each).
    static func openFailure(spec: String, device: String, errno err: Int32, present: [(name: String, label: String)]) -> HALError {
        let chips = present.map { "\($0.name) [\($0.label)]" }
        let list = chips.isEmpty ? "no GPIO chip on this machine" : "present: \(chips.joined(separator: ", "))"
        return HALError(err == EACCES || err == EPERM ? .busy(consumer: nil) : .notFound, device: device,
                        location: "GPIO chip \"\(spec)\"", message: "cannot open: \(String(cString: strerror(err))) (\(list))")
    }

    /// A line that could not be requested: held by another consumer (`EBUSY`: `holder` asks
    /// the kernel who), or a fault.
    static func requestFailure(errno err: Int32, holder: () -> String?, device: String, location: String) -> HALError {
        guard err == EBUSY else {
            return HALError(.busFault, device: device, location: location, message: "cannot request the line: \(String(cString: strerror(err)))")
        }
        return heldLine(consumer: holder(), device: device, location: location)
    }

    /// A line held by someone else: `consumer` is the holder's label as the kernel reports it
    /// (empty: it gave none; nil: unknown).
    public static func heldLine(consumer: String?, device: String, location: String) -> HALError {
        let who = consumer.map { $0.isEmpty ? "an unnamed consumer" : "\"\($0)\"" } ?? "another consumer"
        return HALError(.busy(consumer: consumer?.isEmpty == false ? consumer : nil), device: device, location: location,
                        message: "the line is held by \(who)")
    }
}
