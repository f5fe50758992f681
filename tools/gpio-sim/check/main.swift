// gpio-sim-check: runs inside the QEMU guest of tools/gpio-sim (see test.sh) against the
// kernel's gpio-sim chip, through Lanterne's real GPIO driver, runtime and engine. Each check
// prints PASS or FAIL; the exit status is the number of failures (0 = all passed). The
// presence-to-output latency is measured and printed, not judged (a speed goal, not a test).
import Astronomy
import BoardFiles
import Controller
import Foundation
import GPIO
#if canImport(Glibc)
import Glibc
import HAL
import Lighting
import Logging
import Units
#endif

/// Unbuffered output: the guest's console must show each line as it happens.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
let env = ProcessInfo.processInfo.environment
guard let sysfs = env["GPIOSIM_SYSFS"] else {
    say("FAIL setup: GPIOSIM_SYSFS is not set (run me through tools/gpio-sim/run.sh)")
    exit(1)
}
let here = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "."
var failures = 0

@MainActor func check(_ name: String, _ ok: Bool, _ detail: @autoclosure () -> String = "") {
    say("\(ok ? "PASS" : "FAIL") \(name)\(ok ? "" : ": " + detail())")
    if !ok { failures += 1 }
}

/// The value gpio-sim shows for line `n` (what the program drives, or the pull).
func simValue(_ n: Int) -> Int {
    (try? String(contentsOfFile: "\(sysfs)/sim_gpio\(n)/value", encoding: .utf8))
        .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? -1
}
func pull(_ n: Int, up: Bool) {
    try? (up ? "pull-up" : "pull-down").write(toFile: "\(sysfs)/sim_gpio\(n)/pull", atomically: false, encoding: .utf8)
}
func monotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
/// Waits until line `n` shows `value` (polling every 50 µs); returns the time it took, or nil.
func waitFor(_ n: Int, _ value: Int, timeoutMilliseconds: Int = 3000) -> Int64? {
    let start = monotonicNanoseconds()
    while monotonicNanoseconds() - start < Int64(timeoutMilliseconds) * 1_000_000 {
        if simValue(n) == value { return monotonicNanoseconds() - start }
        usleep(50)
    }
    return nil
}
enum Line { static let relay1 = 0, relay2 = 1, relay3 = 2, step1 = 3, photocell = 4, door = 5, pir1 = 6, pir2 = 7 }

// 1. The board file.
let loaded = BoardLoader.load(path: "\(here)/gpio-sim.yaml")
check("board file loads", loaded.value != nil, loaded.diagnostics.description)
guard let board = loaded.value else { exit(1) }

// 2. Clear errors for a missing chip and a missing line.
do {
    _ = try GPIOChip("no-such-chip", device: "ghost")
    check("missing chip is an error", false, "opened a chip that does not exist")
} catch {
    check("missing chip names the chip and lists the present ones",
          error.kind == .notFound && error.description.contains("no-such-chip") && error.description.contains("lanterne-sim"), error.description)
    say("     \(error)")
}
do {
    let chip = try GPIOChip("lanterne-sim", device: "sim")
    do {
        _ = try await chip.offset(of: .name("relay-9"), device: "relay-9")
        check("missing line is an error", false, "found relay-9")
    } catch {
        check("missing line names the line and the chip", error.kind == .notFound && error.description.contains("relay-9"), error.description)
        say("     \(error)")
    }
    await chip.shutdown()
} catch {
    check("chip opens by label", false, error.description)
}

/// Whether another process (libgpiod's `gpioget`) can request every line in `lines` now.
/// (posix_spawn: Foundation's Process needs a socket pair the guest's CoreFoundation cannot make.)
func othersCanRequest(_ lines: [Int]) -> (ok: Bool, output: String) {
    let path = "/usr/bin/gpioget"
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { return (false, "pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    let args = [path, env["GPIOSIM_CHIP"] ?? "gpiochip0"] + lines.map(String.init)
    let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
    close(fds[1])
    defer { close(fds[0]) }
    guard rc == 0 else { return (false, "cannot run gpioget: \(String(cString: strerror(rc)))") }
    var output = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 512)
    while true {
        let n = read(fds[0], &chunk, chunk.count)
        if n <= 0 { break }
        output += chunk[0..<n]
    }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return (status == 0, text)
}
/// Polls `othersCanRequest` for up to two seconds (a dropped chip lets go from its queue).
func othersCanRequestSoon(_ lines: [Int]) -> (ok: Bool, output: String) {
    var last = othersCanRequest(lines)
    for _ in 0..<40 where !last.ok {
        usleep(50_000)
        last = othersCanRequest(lines)
    }
    return last
}

// 2b. A chip dropped without shutdown frees its lines: an output and a watched input (the edge
//     watcher's handler must not keep the chip alive).
do {
    do {
        let chip = try GPIOChip("lanterne-sim", device: "dropped")
        try await chip.requestOutput(offset: Line.relay3, activeLow: false, initial: false, device: "relay-3")
        try await chip.requestInput(offset: Line.pir2, activeLow: false, bias: .asIs, onChange: { _ in }, device: "pir-2")
        let held = othersCanRequest([Line.relay3, Line.pir2])
        check("lines held by a chip are refused to gpioget", !held.ok, "gpioget could request them: \(held.output)")
    }
    let freed = othersCanRequestSoon([Line.relay3, Line.pir2])
    check("a chip dropped without shutdown frees its output and watched input lines", freed.ok, freed.output)
} catch {
    check("dropped chip setup", false, error.description)
}

// 2c. The kernel's clock synchronisation state, read through the runtime's thin wrapper: the
//     guest runs no time sync, so the kernel says unsynchronised and the clock is not trusted.
switch HostClock().synchronisation() {
case .success(let sync):
    let trust = ClockTrust.evaluate(kernel: .success(sync), wall: Date(), policy: .init())
    check("adjtimex in the guest: unsynchronised (no time sync), so the clock is not trusted",
          sync.unsynchronised && trust.reasons.contains(.kernelUnsynchronised), "\(sync), \(trust.reasons)")
case .failure(let e):
    check("adjtimex in the guest", false, e.description)
}

// 3. Open the board's hardware (on the check's clock: detections are stamped with it).
/// The check's time: a December night in Picardy plus real time, and time the check skips
/// (both clocks move, so the loop sees no step); a synchronised kernel.
final class TestClock: CabinetClock, @unchecked Sendable {
    let lock = NSLock()
    let base = Date(timeIntervalSince1970: 1_797_890_400)   // 2026-12-21 22:00 UTC
    let started = ContinuousClock.now
    var skipped: Duration = .zero
    var wallNow: Date {
        lock.lock(); defer { lock.unlock() }
        let elapsed = (ContinuousClock.now - started) + skipped
        return base.addingTimeInterval(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    var monotonicNow: ContinuousClock.Instant { lock.lock(); defer { lock.unlock() }; return ContinuousClock.now.advanced(by: skipped) }
    func sleep(until deadline: ContinuousClock.Instant) async throws {
        let real = lock.withLock { deadline.advanced(by: .zero - skipped) }
        try await Task.sleep(until: real, clock: .continuous)
    }
    func synchronisation() -> Result<KernelClockSync, KernelClockError> { .success(.synchronised()) }
    func now() -> Date { wallNow }
    func skip(_ s: Duration) { lock.lock(); skipped += s; lock.unlock() }
}
let clock = TestClock()
let hardware = await HardwareSet.open(board, now: { clock.now() })
check("every device of the board opens", hardware.failures.isEmpty, hardware.failures.map(\.description).joined(separator: "; "))

// 4. A line held by another consumer.
do {
    let other = try GPIOChip("lanterne-sim", device: "intruder")
    do {
        try await other.requestOutput(offset: Line.relay1, activeLow: false, initial: false, device: "intruder")
        check("a held line is refused", false, "requested relay-1 twice")
    } catch {
        check("a held line names its consumer", error.kind == .busy(consumer: "lanterne") && error.description.contains("\"lanterne\""), error.description)
        say("     \(error)")
    }
    await other.shutdown()
} catch { check("second chip handle", false, error.description) }

// 5. Relay outputs, seen in sim_gpioN/value (relay-2 is active-low).
if case .relay(let r1)? = hardware.outputs["relay-1"], case .relay(let r2)? = hardware.outputs["relay-2"] {
    do {
        try await r1.set(on: true)
        check("relay-1 on drives the line high", simValue(Line.relay1) == 1, "value \(simValue(Line.relay1))")
        try await r1.set(on: false)
        check("relay-1 off drives the line low", simValue(Line.relay1) == 0, "value \(simValue(Line.relay1))")
        try await r2.set(on: true)
        check("active-low relay-2 on drives the line low", simValue(Line.relay2) == 0, "value \(simValue(Line.relay2))")
        try await r2.set(on: false)
        check("active-low relay-2 off drives the line high", simValue(Line.relay2) == 1, "value \(simValue(Line.relay2))")
    } catch { check("relay commands", false, error.description) }
} else { check("relays built", false, "relay-1/relay-2 missing") }

// 6. Inputs pulled and read (door is active-low: pulled up = closed).
if let door = hardware.inputs["door"], let cell = hardware.inputs["photocell"] {
    do {
        pull(Line.door, up: true); usleep(2000)
        let closed = try await door.read()
        pull(Line.door, up: false); usleep(2000)
        let open = try await door.read()
        check("door input follows its pull (active-low)", closed == false && open == true, "pulled up: \(closed), pulled down: \(open)")
        pull(Line.photocell, up: true); usleep(2000)
        let dark = try await cell.read()
        pull(Line.photocell, up: false); usleep(2000)
        let light = try await cell.read()
        check("photocell input follows its pull", dark && !light, "pulled up: \(dark), pulled down: \(light)")
    } catch { check("input reads", false, error.description) }
} else { check("inputs built", false, "door/photocell missing") }

// 7. An edge event delivered (pir-2, debounced 20 ms).
if let pir2 = hardware.presence["pir-2"] {
    let got = await withTaskGroup(of: InputChange?.self) { group in
        group.addTask { for await c in pir2.changes { return c }; return nil }
        group.addTask { try? await Task.sleep(for: .seconds(3)); return nil }
        pull(Line.pir2, up: true)
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
    check("a rising edge on pir-2 is delivered after its debounce", got?.level == true, "no change within 3 s")
    let detections = (try? await pir2.readDetections()) ?? []
    check("the detection is buffered for readDetections", detections.count == 1, "\(detections.count) detections")
    pull(Line.pir2, up: false)
} else { check("pir-2 built", false, "missing") }

// 8. Presence edge -> control loop -> engine -> output, through the real code path.
let profileLoaded = ProfileLoader.load(path: "\(here)/testbed-profile.yaml")
check("test profile loads", profileLoaded.value != nil, profileLoaded.diagnostics.description)
let site = Site(id: "gpio-sim", name: "gpio-sim bed", coordinate: GeoCoordinate(latitude: 49.65, longitude: 2.57)!,
                timeZone: TimeZone(identifier: "Europe/Paris")!)
let led = LuminaireModel(ratedPower: Watts(40))
let installation = Installation(site: site, circuits: [
    CircuitSpec(id: "c1", name: "street 1", luminaireCount: 4, model: led, legacyPower: Watts(150), safeState: .astronomical),
    CircuitSpec(id: "c2", name: "street 2", luminaireCount: 4, model: led, legacyPower: Watts(150), safeState: .on),
    CircuitSpec(id: "c3", name: "footpath", luminaireCount: 5, model: led, legacyPower: Watts(70), safeState: .astronomical),
])
guard let profile = profileLoaded.value, let engine = DimmingEngine.compile(profile: profile, installation: installation).value else {
    say("FAIL engine: cannot compile the test profile"); exit(1)
}
let loop = ControlLoop(engine: engine, board: board, circuitOutputs: ["c1": "relay-1", "c2": "relay-2", "c3": "step-1"],
                       hardware: hardware, clock: clock,
                       logger: Logger(label: "gpio-sim-check") { _ in
                           LineLogHandler(toJournal: false) { line in say("     log: " + line.trimmingCharacters(in: .newlines)) }
                       })
pull(Line.pir1, up: false)
pull(Line.photocell, up: true)     // the photocell says dark, as it should at 22:00 in December
let running = Task.detached { await loop.run(releasing: false) }   // off the main actor, which polls sysfs
let planApplied = waitFor(Line.step1, 1) != nil && waitFor(Line.relay1, 1) != nil
check("the plan is applied: c1 on, c3 at 50 % (step line active)", planApplied,
      "relay-1 \(simValue(Line.relay1)), step-1 \(simValue(Line.step1))")
var latencies: [Int64] = []
var missed = 0
var misses: [String] = []
let rounds = planApplied ? Int(env["GPIOSIM_ROUNDS"] ?? "") ?? 200 : 0
for round in 0..<rounds {
    let t0 = monotonicNanoseconds()
    pull(Line.pir1, up: true)
    guard let _ = waitFor(Line.step1, 0) else {
        missed += 1
        misses.append("round \(round): no raise within 3 s (c3: \(await loop.output.circuits[2].reason))")
        pull(Line.pir1, up: false)
        if missed > 3 { break }
        continue
    }
    latencies.append(monotonicNanoseconds() - t0)
    pull(Line.pir1, up: false)
    clock.skip(.seconds(5))    // past the 1 s hold
    await loop.tick()
    if waitFor(Line.step1, 1) == nil {
        missed += 1
        misses.append("round \(round): the hold did not end within 3 s (c3: \(await loop.output.circuits[2].reason))")
    }
}
check("every presence edge raises c3 to 100 % (step line released) and the hold ends", rounds > 0 && missed == 0 && latencies.count == rounds,
      "\(missed) of \(rounds) rounds missed: \(misses.joined(separator: "; "))")
if !latencies.isEmpty {
    let sorted = latencies.sorted()
    func pct(_ p: Double) -> Double { Double(sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]) / 1e6 }
    say(String(format: "MEASURE sysfs pull -> sysfs value (end to end, polled): n=%d p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms",
                 sorted.count, pct(0.5), pct(0.9), pct(0.99), Double(sorted.last!) / 1e6))
}
let inside = await loop.presenceLatencies.sorted()
if !inside.isEmpty {
    func pct(_ p: Double) -> Double { Double(inside[min(inside.count - 1, Int((Double(inside.count) * p).rounded(.up)) - 1)]) / 1e6 }
    say(String(format: "MEASURE presence edge (kernel timestamp) -> outputs written: n=%d p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms",
                 inside.count, pct(0.5), pct(0.9), pct(0.99), Double(inside.last!) / 1e6))
}

// 9. Shutdown: every circuit to its safe state (night: astronomical = on; relay-2 'on', active-low).
running.cancel()
await running.value
check("safe state: c1 (astronomical, night) on", simValue(Line.relay1) == 1, "relay-1 \(simValue(Line.relay1))")
check("safe state: c2 ('on', active-low) drives its line low", simValue(Line.relay2) == 0, "relay-2 \(simValue(Line.relay2))")
check("safe state: c3 (astronomical) at full, step line released", simValue(Line.step1) == 0, "step-1 \(simValue(Line.step1))")
await hardware.shutdown()

// 10. After shutdown every line can be requested again: by another process (gpioget), and by
//     a second chip that watches an input the first one watched and gets its edges.
let after = othersCanRequest(Array(0..<8))
check("after shutdown another consumer (gpioget) can request all 8 lines", after.ok, after.output)
do {
    let again = try GPIOChip("lanterne-sim", device: "again")
    let (edges, edge) = AsyncStream.makeStream(of: InputChange.self)
    try await again.requestInput(offset: Line.pir1, activeLow: false, bias: .asIs, onChange: { edge.yield($0) }, device: "pir-1")
    let got = await withTaskGroup(of: Bool.self) { group in
        group.addTask { for await c in edges where c.level { return true }; return false }
        group.addTask { try? await Task.sleep(for: .seconds(3)); return false }
        pull(Line.pir1, up: true)
        let first = await group.next() ?? false
        group.cancelAll()
        edge.finish()
        return first
    }
    check("after shutdown a second chip watches pir-1 again and gets its edge", got, "no edge within 3 s")
    pull(Line.pir1, up: false)
    await again.shutdown()
} catch {
    check("after shutdown a second chip requests pir-1", false, error.description)
}

say(failures == 0 ? "gpio-sim-check: all checks passed" : "gpio-sim-check: \(failures) check(s) failed")
exit(Int32(min(failures, 100)))
