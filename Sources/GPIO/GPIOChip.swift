import CGPIOD
import Dispatch
import Foundation
import HAL

/// One GPIO chip (`/dev/gpiochipN`) and every line Lanterne requests on it: the only owner of
/// the chip's libgpiod handles. All calls run on the chip's own queue (a ``HAL/DeviceExecutor``),
/// where edge events are read as soon as the kernel queues them.
///
/// Lines stay requested (consumer "lanterne") until ``shutdown()`` releases them; the chip
/// drives no output by itself (the control loop writes the safe states first, through its
/// switching guard: the minimum relay cycle is the loop's, not the chip's). libgpiod is reached only through the version-neutral `lanterne_gpio_*` shim
/// (Sources/CGPIOD), so a libgpiod 2.x shim can replace the 1.6 one without touching this file.
public actor GPIOChip {
    /// The consumer label every request carries (what `gpioinfo` shows).
    public static let consumer = "lanterne"

    /// What was asked for (label, name, number or path).
    public nonisolated let spec: String
    /// The kernel's name (`gpiochip0`) and label (`pinctrl-bcm2711`).
    public nonisolated let name: String
    public nonisolated let label: String
    public nonisolated let lineCount: Int

    private let executor: DeviceExecutor
    private let now: @Sendable () -> Date
    private var handle: ChipHandle?
    private var chip: OpaquePointer? { handle?.raw }
    private var lines: [Int: Requested] = [:]

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// A requested line.
    private struct Requested {
        var handle: OpaquePointer
        var output: Bool
        var activeLow: Bool
        var device: String
        var watcher: EdgeWatcher?
    }

    /// Opens a chip (`gpiod_chip_open_lookup`).
    ///
    /// - Parameter device: the board's name for it, for errors.
    /// - Parameter now: wall clock used to stamp presence detections (injected).
    /// - Throws: ``HAL/HALError`` `.notFound` naming the chip and listing the chips present.
    public init(_ spec: String, device: String, now: @escaping @Sendable () -> Date = { Date() }) throws(HALError) {
        var err: Int32 = 0
        guard let c = lanterne_gpio_open(spec, &err) else {
            throw GPIOChip.openFailure(spec: spec, device: device, errno: err, present: GPIOChip.available().map { ($0.name, $0.label) })
        }
        self.spec = spec
        self.name = String(cString: lanterne_gpio_chip_name(c))
        self.label = String(cString: lanterne_gpio_chip_label(c))
        self.lineCount = Int(lanterne_gpio_chip_lines(c))
        self.handle = ChipHandle(raw: c)
        self.now = now
        self.executor = DeviceExecutor(label: "lanterne.gpio.\(spec)")
    }


    /// The chips of this machine: name and label of every /dev/gpiochip*.
    public static func available() -> [(name: String, label: String, lines: Int)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []).filter { $0.hasPrefix("gpiochip") }.sorted()
        return names.compactMap { n in
            var err: Int32 = 0
            guard let c = lanterne_gpio_open("/dev/\(n)", &err) else { return nil }
            defer { lanterne_gpio_close(c) }
            return (n, String(cString: lanterne_gpio_chip_label(c)), Int(lanterne_gpio_chip_lines(c)))
        }
    }

    private var where_: String { "\(name) [\(label)]" }

    /// The offset of a line given by offset or by name.
    ///
    /// - Throws: `.notFound` naming the chip and the line.
    public func offset(of line: LineAddress, device: String) throws(HALError) -> Int {
        guard let chip else { throw HALError(.halted, device: device, location: where_, message: "chip closed") }
        return try Self.resolve(line, lineCount: lineCount, place: where_, device: device) { name in
            let o = lanterne_gpio_find_line(chip, name)
            return o >= 0 ? Int(o) : nil
        }
    }

    /// What the kernel says about a line: its name and who holds it.
    public func info(offset: Int) -> (name: String, used: Bool, consumer: String)? {
        guard let chip else { return nil }
        var used = false, err: Int32 = 0
        var nameBuf = [CChar](repeating: 0, count: 64), consumerBuf = [CChar](repeating: 0, count: 64)
        guard lanterne_gpio_line_info(chip, UInt32(offset), &used, &nameBuf, 64, &consumerBuf, 64, &err) == 0 else { return nil }
        func text(_ b: [CChar]) -> String { String(decoding: b.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return (text(nameBuf), used, text(consumerBuf))
    }

    private func requestFailure(_ err: Int32, offset: Int, device: String) -> HALError {
        Self.requestFailure(errno: err, holder: { info(offset: offset)?.consumer }, device: device, location: "\(where_) line \(offset)")
    }

    /// Requests a line as an output at `initial` (logical value).
    ///
    /// - Throws: `.busy(consumer:)` naming the holder, `.notFound`, `.busFault`.
    public func requestOutput(offset: Int, activeLow: Bool, initial: Bool, device: String) throws(HALError) {
        guard let chip else { throw HALError(.halted, device: device, location: where_, message: "chip closed") }
        if let existing = lines[offset] { throw HALError(.busy(consumer: Self.consumer), device: device, location: "\(where_) line \(offset)", message: "already requested for '\(existing.device)'") }
        let request = LineRequest.output(offset: offset, activeLow: activeLow, initial: initial)
        var err: Int32 = 0
        guard let h = lanterne_gpio_request_output(chip, request.line, Self.consumer, request.activeLow, request.initialValue, &err) else {
            throw requestFailure(err, offset: offset, device: device)
        }
        lines[offset] = Requested(handle: h, output: true, activeLow: activeLow, device: device)
    }

    /// Requests a line as an input; with `edges`, both edges are queued by the kernel and
    /// delivered to `onChange` (on the chip's queue) after `debounce`.
    ///
    /// - Throws: `.busy(consumer:)` naming the holder, `.notFound`, `.busFault`.
    public func requestInput(offset: Int, activeLow: Bool, bias: LineBias, debounce: Duration = .zero,
                             onChange: (@Sendable (InputChange) -> Void)? = nil, device: String) throws(HALError) {
        guard let chip else { throw HALError(.halted, device: device, location: where_, message: "chip closed") }
        if let existing = lines[offset] { throw HALError(.busy(consumer: Self.consumer), device: device, location: "\(where_) line \(offset)", message: "already requested for '\(existing.device)'") }
        let request = LineRequest.input(offset: offset, activeLow: activeLow, bias: bias, watched: onChange != nil)
        var err: Int32 = 0
        guard let h = lanterne_gpio_request_input(chip, request.line, Self.consumer, request.activeLow, request.biasCode, request.edges,
                                                  &err) else {
            throw requestFailure(err, offset: offset, device: device)
        }
        var req = Requested(handle: h, output: false, activeLow: activeLow, device: device)
        if let onChange {
            let initial = lanterne_gpio_get(h, &err)
            // The watcher's event source releases the line, from its cancel handler; it keeps the
            // chip's handle open until then.
            let lease = LineLease(line: h, chip: handle)
            req.watcher = EdgeWatcher(chip: self, offset: offset, fd: lanterne_gpio_event_fd(h), queue: executor.queue,
                                      debounce: debounce, initial: initial == 1, onChange: onChange, release: { lease.end() })
        }
        lines[offset] = req
    }

    /// Drives a requested output (logical value). Setting the current value again does nothing.
    ///
    /// - Throws: `.busFault` from the kernel, `.halted` after shutdown.
    public func set(offset: Int, value: Bool) throws(HALError) {
        guard let req = lines[offset], req.output else {
            throw HALError(.halted, device: "line \(offset)", location: "\(where_) line \(offset)", message: "line not requested as an output")
        }
        var err: Int32 = 0
        let current = lanterne_gpio_get(req.handle, &err)
        if current == (value ? 1 : 0) { return }
        guard lanterne_gpio_set(req.handle, value ? 1 : 0, &err) == 0 else {
            throw HALError(.busFault, device: req.device, location: "\(where_) line \(offset)", message: "cannot set the line: \(String(cString: strerror(err)))")
        }
    }

    /// Reads a requested line (logical value).
    ///
    /// - Throws: `.busFault` from the kernel, `.halted` when the line is not requested.
    public func get(offset: Int) throws(HALError) -> Bool {
        guard let req = lines[offset] else {
            throw HALError(.halted, device: "line \(offset)", location: "\(where_) line \(offset)", message: "line not requested")
        }
        var err: Int32 = 0
        let v = lanterne_gpio_get(req.handle, &err)
        guard v >= 0 else {
            throw HALError(.busFault, device: req.device, location: "\(where_) line \(offset)", message: "cannot read the line: \(String(cString: strerror(err)))")
        }
        return v == 1
    }

    /// Reads the queued edge events of an input line (called on the chip's queue by its
    /// watcher), oldest first: each edge's logical level and kernel timestamp.
    func drainEvents(offset: Int) -> [(level: Bool, timestampNanoseconds: Int64)] {
        guard let req = lines[offset] else { return [] }
        var rising: Int32 = 0, ts: Int64 = 0, err: Int32 = 0
        var events: [(level: Bool, timestampNanoseconds: Int64)] = []
        // The fd is readable: at least one event is queued. Read while more are ready.
        repeat {
            guard lanterne_gpio_read_event(req.handle, &rising, &ts, &err) == 0 else { break }
            events.append((rising == 1, ts))
        } while EdgeWatcher.readable(lanterne_gpio_event_fd(req.handle)) && events.count < 64
        return events
    }

    /// The wall-clock instant now (for stamping detections).
    func wallClock() -> Date { now() }

    /// Releases every line and closes the chip; outputs keep the value last set until the kernel
    /// gives the line back. Returns once every line is released, so another consumer can request
    /// them as soon as this returns. Further calls fail with `.halted`.
    ///
    /// A watched input's line is released by its event source's cancel handler, once dispatch no
    /// longer watches its descriptor (``LineEventSource``); this waits for those handlers, which
    /// run on the chip's queue while this call is suspended.
    public func shutdown() async {
        var watchers: [EdgeWatcher] = []
        for (_, req) in lines {
            if let w = req.watcher { watchers.append(w) } else { lanterne_gpio_release(req.handle) }
        }
        lines = [:]
        for w in watchers { w.cancel() }
        if !watchers.isEmpty {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let all = DispatchGroup()
                for w in watchers {
                    all.enter()
                    w.released.notify(queue: .global()) { all.leave() }
                }
                all.notify(queue: .global()) { done.resume() }
            }
        }
        handle = nil
    }
}

/// A change of an input's logical level.
public struct InputChange: Sendable, Hashable {
    /// The new logical level (after active-low).
    public var level: Bool
    /// The kernel's timestamp of the edge, nanoseconds of CLOCK_MONOTONIC.
    public var monotonicNanoseconds: Int64
    /// The wall-clock instant the edge was read.
    public var date: Date
}

/// The libgpiod chip handle; closing it (`gpiod_chip_close`) also releases its lines. It is
/// closed when the chip actor and every watched line's lease have let go of it, so a chip actor
/// that goes away without `shutdown` still frees its lines (its watchers' event sources are
/// cancelled, their cancel handlers release their lines and drop the handle).
final class ChipHandle: @unchecked Sendable {
    // Immutable; closed once, in deinit.
    let raw: OpaquePointer
    init(raw: OpaquePointer) { self.raw = raw }
    deinit { lanterne_gpio_close(raw) }
}

/// A watched line, released once (on the chip's queue, by its event source's cancel handler),
/// holding the chip's handle open until then: `gpiod_line_release` needs the chip.
final class LineLease: @unchecked Sendable {
    // Touched only on the chip's queue: set at creation, cleared by `end()`.
    private var line: OpaquePointer?
    private var chip: ChipHandle?
    init(line: OpaquePointer, chip: ChipHandle?) {
        self.line = line
        self.chip = chip
    }
    /// Releases the line and lets go of the chip's handle.
    func end() {
        if let line { lanterne_gpio_release(line) }
        line = nil
        chip = nil
    }
}
