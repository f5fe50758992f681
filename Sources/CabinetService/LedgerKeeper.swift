import Controller
import Lighting
import Foundation
import Ledger
import Logging
import Recording
import Synchronization
import Units

/// Keeps a running cabinet's ledger: at each interval boundary of the wall clock it reads the
/// meters (``EnergySampler``), takes what the control loop decided over the interval, and
/// records the interval — one transaction, so that a crash loses at most the interval in
/// progress — with the loop's events.
///
/// Instants come from the wall clock, so nothing is recorded while the loop does not trust it:
/// the registers keep counting, and the first interval closed once the clock is trusted again
/// spans the untrusted time. An interval that starts at the ledger's last one after a restart
/// spans the outage the same way, with the energy drawn meanwhile.
public struct LedgerKeeper {
    let loop: ControlLoop
    var recorder: LedgerRecorder
    var sampler: EnergySampler
    /// The interval's length in seconds (it divides a day).
    public let interval: Int
    let clock: any CabinetClock
    let inbox: EventInbox
    let logger: Logger
    let progress: LedgerProgress?
    /// Where the next interval starts.
    public private(set) var lastEnd: Date

    /// - Parameters:
    ///   - lastEnd: where the ledger's intervals of this cabinet end (after a restart), or
    ///     the start of recording.
    public init(loop: ControlLoop, recorder: LedgerRecorder, sampler: EnergySampler, interval: Int, clock: any CabinetClock,
                inbox: EventInbox, lastEnd: Date, logger: Logger, progress: LedgerProgress? = nil) {
        self.loop = loop
        self.recorder = recorder
        self.sampler = sampler
        self.interval = max(1, interval)
        self.clock = clock
        self.inbox = inbox
        // Whole seconds, as the ledger keeps them.
        self.lastEnd = Date(timeIntervalSince1970: lastEnd.timeIntervalSince1970.rounded(.down))
        self.logger = logger
        self.progress = progress
    }

    /// The first boundary of the wall clock after `t` (multiples of the interval since the epoch).
    public func boundary(after t: Date) -> Date {
        let i = Double(interval)
        return Date(timeIntervalSince1970: ((t.timeIntervalSince1970 / i).rounded(.down) + 1) * i)
    }

    /// Records interval after interval until cancelled, then closes the one in progress.
    public mutating func run() async {
        while !Task.isCancelled {
            let next = boundary(after: max(lastEnd, clock.wallNow))
            // Sleep on the monotonic clock until the wall clock reaches the boundary (it may be
            // set meanwhile: look again after waking).
            while clock.wallNow < next {
                let wait = min(max(0.001, next.timeIntervalSince(clock.wallNow)), Double(interval))
                do { try await clock.sleep(until: clock.monotonicNow.advanced(by: .seconds(wait))) } catch { break }
            }
            if Task.isCancelled { break }
            await close(at: next)
        }
        await close(at: clock.wallNow)
    }

    /// Records the stop, after the events of a last interval too short to record (under a
    /// second): one transaction.
    public mutating func recordStop(at instant: Date) throws {
        try recorder.record(events: unrecorded.events + inbox.drain().map(Self.event) + [
            ObservedInterval.Event(at: instant, kind: .ledger, subject: "stop", detail: "run stopped; the interval in progress was recorded"),
        ])
    }

    /// Records `[lastEnd, end)` when the clock is trusted and the interval holds at least a
    /// second (the ledger keeps whole seconds; a shorter one is left to the next).
    ///
    /// A write that fails loses nothing: the sampler goes back to where it stood (its
    /// registers' last values), and what was decided and the events are kept, so the next
    /// interval recorded spans this one with its energy and its events.
    public mutating func close(at end: Date) async {
        guard await loop.clockTrust?.isTrusted == true else { return }
        guard end.timeIntervalSince1970.rounded() > lastEnd.timeIntervalSince1970.rounded() else { return }
        let before = sampler
        let fresh = await loop.takeExpectedEnergy()
        let decided = unrecorded.decided.isEmpty ? fresh : zip(unrecorded.decided, fresh).map(+)
        var observed = await sampler.close(from: lastEnd, to: end, decided: decided)
        let events = unrecorded.events + inbox.drain().map(Self.event)
        observed.events.append(contentsOf: events)
        do {
            try recorder.record([observed])
            lastEnd = end
            unrecorded = ([], [])
            progress?.recorded(until: end, registers: sampler.lastValues)
            logger.debug("ledger: interval \(InstantText.isoUTC(observed.start)) to \(InstantText.isoUTC(end)) recorded")
        } catch {
            sampler = before
            unrecorded = (decided, events)
            logger.error("ledger: the interval \(InstantText.isoUTC(observed.start)) to \(InstantText.isoUTC(end)) was not recorded: \(error); the next one will span it")
        }
    }

    /// What an interval whose write failed carried beside the registers: what was decided over
    /// it and its events (the sampler's own are made again from its restored state).
    private var unrecorded: (decided: [ExpectedEnergy.Circuit], events: [ObservedInterval.Event]) = ([], [])

    /// A control event as the ledger keeps it.
    static func event(_ e: ControlEvent) -> ObservedInterval.Event {
        let kind: LedgerEvent.Kind = switch e.kind {
        case .clockTrusted, .clockUntrusted, .wallClockStepped: .clock
        case .switchingDeferred, .circuitChanged: .switching
        case .outputFailed, .outputRecovered, .measuredFault: .fault
        case .input: .input
        case .override: .override
        case .profileActivated: .profile
        case .state, .eventsLost: .ledger
        }
        let subject = switch e.kind {
        case .clockTrusted, .clockUntrusted, .wallClockStepped: "clock"
        case .switchingDeferred(let circuit, _, _, _), .outputFailed(let circuit, _, _), .outputRecovered(let circuit, _),
             .circuitChanged(let circuit, _, _, _): circuit
        case .input(let id, _, _): id
        case .measuredFault(_, let subject, _, _): subject
        case .override(let r, _): r.id
        case .profileActivated(let id, _, _, _, _): id
        case .state: "state"
        case .eventsLost: "events"
        }
        // A level change is worded as the simulation's switching events are, without the
        // circuit (the event's subject).
        let detail = switch e.kind {
        case .circuitChanged(_, let level, let fade, let reason): ControlEvent.levelChange(level: level, fadeSeconds: fade, reason: reason)
        // As the recorder words a profile's activation at a start: "sha256 HEX ...".
        case .profileActivated(_, let version, let sha256, let detail, _):
            "sha256 \(sha256) version \(version.map(String.init) ?? "-"): \(detail)"
        default: e.description
        }
        return ObservedInterval.Event(at: e.at, kind: kind, subject: subject, detail: detail)
    }
}

/// Where the ledger stands, for the metrics and the status: the end of its last closed interval,
/// and the registers' values it closed at.
public final class LedgerProgress: Sendable {
    private let state = Mutex<(end: Date?, registers: [(channel: String, wattHours: Int64)])>((nil, []))
    private let open = Mutex<LedgerStore?>(nil)
    public init() {}
    /// The ledger while it is recording (for reading its events).
    public var store: LedgerStore? {
        get { open.withLock { $0 } }
        set { open.withLock { $0 = newValue } }
    }
    public var lastIntervalEnd: Date? { state.withLock { $0.end } }
    /// Each meter register's and inverter's value (Wh) at the last interval recorded.
    public var registers: [(channel: String, wattHours: Int64)] { state.withLock { $0.registers } }
    func recorded(until instant: Date, registers: [(channel: String, wattHours: Int64)]? = nil) {
        state.withLock {
            $0.end = instant
            if let registers { $0.registers = registers }
        }
    }
}

/// The control loop's and the controller's events, kept until the next interval is recorded
/// (``drain()``), and handed as they come to those who follow them (``subscribe()``: `lanterne
/// events --follow`). At most ``capacity`` wait: beyond, the oldest are dropped and the next
/// drain says how many (a ledger that cannot record for days must not fill the memory).
public final class EventInbox: Sendable {
    public static let capacity = 100_000

    private struct State {
        var events: [(number: Int, event: ControlEvent)] = []
        var posted = 0
        var dropped = 0
        var followers: [Int: AsyncStream<(number: Int, event: ControlEvent)>.Continuation] = [:]
        var nextFollower = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    public init(capacity: Int = EventInbox.capacity) { self.capacity = capacity }

    public func post(_ event: ControlEvent) {
        state.withLock { s in
            s.posted += 1
            if s.events.count >= capacity {
                s.events.removeFirst(s.events.count - capacity + 1)
                s.dropped += 1
            }
            s.events.append((s.posted, event))
            for follower in s.followers.values { follower.yield((s.posted, event)) }
        }
    }

    /// The events posted since the last drain (and, first, how many were dropped meanwhile).
    public func drain() -> [ControlEvent] {
        state.withLock { s in
            var events = s.events.map(\.event)
            if s.dropped > 0, let first = events.first {
                events.insert(ControlEvent(at: first.at, kind: .eventsLost(count: s.dropped)), at: 0)
            }
            s.events = []
            s.dropped = 0
            return events
        }
    }

    /// The events not drained yet, with their numbers (in the order posted).
    public var pending: [(number: Int, event: ControlEvent)] { state.withLock { $0.events } }

    /// Every event posted from now on, with its number, until the stream is dropped or
    /// finished (`finish`).
    public func subscribe() -> (events: AsyncStream<(number: Int, event: ControlEvent)>, finish: @Sendable () -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(of: (number: Int, event: ControlEvent).self, bufferingPolicy: .bufferingNewest(10_000))
        let id = state.withLock { s in
            s.nextFollower += 1
            s.followers[s.nextFollower] = continuation
            return s.nextFollower
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.followers.removeValue(forKey: id) }
        }
        return (stream, { continuation.finish() })
    }
}
