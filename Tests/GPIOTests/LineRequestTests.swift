import CGPIOD
import Foundation
@testable import GPIO
import HAL
import Testing
import Units

/// What a line request asks the shim for, and where a board's line address lands on a chip:
/// the decisions the GPIO driver makes before any C call (the gpio-sim bed checks the calls).
@Suite struct LineRequestTests {
    @Test func anOutputIsDrivenFromItsLogicalInitialLevelWithNoBiasAndNoEdges() {
        let on = LineRequest.output(offset: 7, activeLow: true, initial: true)
        #expect(on.line == 7 && on.activeLow && on.initialValue == 1)
        #expect(on.biasCode == Int32(LANTERNE_GPIO_BIAS_AS_IS) && !on.edges)
        let off = LineRequest.output(offset: 0, activeLow: false, initial: false)
        #expect(off.initialValue == 0 && !off.activeLow)
    }

    @Test(arguments: [(LineBias.asIs, LANTERNE_GPIO_BIAS_AS_IS), (.disabled, LANTERNE_GPIO_BIAS_DISABLE),
                      (.pullUp, LANTERNE_GPIO_BIAS_PULL_UP), (.pullDown, LANTERNE_GPIO_BIAS_PULL_DOWN)])
    func anInputCarriesItsBiasToTheShim(bias: LineBias, code: Int) {
        let request = LineRequest.input(offset: 3, activeLow: false, bias: bias, watched: false)
        #expect(request.biasCode == Int32(code))
        #expect(request.initialValue == 0)
    }

    @Test func theFourBiasesAreFourShimValues() {
        #expect(Set(LineBias.allCases.map(LineRequest.biasCode)).count == 4)
    }

    @Test func onlyAWatchedInputAsksForEdges() {
        #expect(LineRequest.input(offset: 1, activeLow: true, bias: .pullUp, watched: true).edges)
        #expect(!LineRequest.input(offset: 1, activeLow: true, bias: .pullUp, watched: false).edges)
        #expect(LineRequest.input(offset: 1, activeLow: true, bias: .pullUp, watched: true).activeLow)
    }

    // MARK: line addresses

    static let names = ["relay-1", "relay-2", "relay-3", "step-1", "photocell", "door", "pir-1", "pir-2"]

    static func resolve(_ line: LineAddress, lineCount: Int = 8) throws(HALError) -> Int {
        try GPIOChip.resolve(line, lineCount: lineCount, place: "gpiochip0 [lanterne-sim]", device: "k1") { names.firstIndex(of: $0) }
    }

    @Test func aLineIsFoundByOffsetOrByName() throws {
        #expect(try Self.resolve(.offset(0)) == 0)
        #expect(try Self.resolve(.offset(7)) == 7)
        #expect(try Self.resolve(.name("photocell")) == 4)
        #expect(try Self.resolve(.name("relay-1")) == 0)
    }

    @Test func anOffsetPastTheChipNamesItsLines() {
        #expect(throws: HALError(.notFound, device: "k1", location: "gpiochip0 [lanterne-sim] line 8", message: "the chip has lines 0 to 7")) {
            try Self.resolve(.offset(8))
        }
        #expect(throws: HALError(.notFound, device: "k1", location: "gpiochip0 [lanterne-sim] line -1", message: "the chip has lines 0 to 7")) {
            try Self.resolve(.offset(-1))
        }
        #expect(throws: HALError.self) { try Self.resolve(.offset(0), lineCount: 0) }
    }

    @Test func anUnknownNameIsNotFoundOnThisChip() {
        #expect(throws: HALError(.notFound, device: "k1", location: "gpiochip0 [lanterne-sim] line \"Photocell\"",
                                 message: "no line of that name on this chip")) {
            try Self.resolve(.name("Photocell"))
        }
    }

    // MARK: failures

    @Test func aHeldLineNamesItsHolder() {
        let named = GPIOChip.heldLine(consumer: "gpioset", device: "k1", location: "gpiochip0 [x] line 3")
        #expect(named.kind == .busy(consumer: "gpioset") && named.message == "the line is held by \"gpioset\"")
        let unnamed = GPIOChip.heldLine(consumer: "", device: "k1", location: "gpiochip0 [x] line 3")
        #expect(unnamed.kind == .busy(consumer: nil) && unnamed.message == "the line is held by an unnamed consumer")
        let unknown = GPIOChip.heldLine(consumer: nil, device: "k1", location: "gpiochip0 [x] line 3")
        #expect(unknown.kind == .busy(consumer: nil) && unknown.message == "the line is held by another consumer")
        #expect(named.device == "k1" && named.location == "gpiochip0 [x] line 3")
    }

    @Test func aRequestFailureAsksForTheHolderOnlyWhenTheLineIsBusy() {
        var asked = 0
        let busy = GPIOChip.requestFailure(errno: EBUSY, holder: { asked += 1; return "lanterne" }, device: "pir-1", location: "L")
        #expect(busy == GPIOChip.heldLine(consumer: "lanterne", device: "pir-1", location: "L"))
        #expect(asked == 1)
        let fault = GPIOChip.requestFailure(errno: EINVAL, holder: { asked += 1; return nil }, device: "pir-1", location: "L")
        #expect(fault == HALError(.busFault, device: "pir-1", location: "L",
                                  message: "cannot request the line: \(String(cString: strerror(EINVAL)))"))
        #expect(asked == 1)
    }

    @Test func aChipThatDoesNotOpenListsTheChipsPresent() {
        let missing = GPIOChip.openFailure(spec: "pinctrl-bcm2711", device: "header", errno: ENOENT,
                                           present: [("gpiochip0", "lanterne-sim"), ("gpiochip1", "other")])
        #expect(missing == HALError(.notFound, device: "header", location: "GPIO chip \"pinctrl-bcm2711\"",
                                    message: "cannot open: \(String(cString: strerror(ENOENT))) (present: gpiochip0 [lanterne-sim], gpiochip1 [other])"))
        let none = GPIOChip.openFailure(spec: "gpiochip0", device: "header", errno: ENOENT, present: [])
        #expect(none.message.hasSuffix("(no GPIO chip on this machine)"))
        #expect(GPIOChip.openFailure(spec: "x", device: "h", errno: EACCES, present: []).kind == .busy(consumer: nil))
        #expect(GPIOChip.openFailure(spec: "x", device: "h", errno: EPERM, present: []).kind == .busy(consumer: nil))
    }

    // MARK: step lines

    @Test func aStepLineIsActiveBelowFullAndReadsBackTheReducedLevel() throws {
        #expect(!GPIOStepDimmer.stepActive(for: .full))
        #expect(GPIOStepDimmer.stepActive(for: try #require(DimLevel(tenths: 999))))
        #expect(GPIOStepDimmer.stepActive(for: .off))
        let reduced = try #require(DimLevel(percent: 60))
        #expect(GPIOStepDimmer.level(stepActive: true, reduced: reduced) == reduced)
        #expect(GPIOStepDimmer.level(stepActive: false, reduced: reduced) == .full)
    }
}

/// The debounce decision of a watched input, edge by edge.
@Suite struct DebouncerTests {
    @Test func withoutDebounceEachChangeOfLevelIsReportedAtItsEdge() {
        var d = Debouncer(debounce: .zero, initial: false)
        #expect(d.edge(level: true, at: 100) == .change(level: true, at: 100))
        #expect(d.edge(level: true, at: 150) == .none)          // the same level again is not a change
        #expect(d.edge(level: false, at: 200) == .change(level: false, at: 200))
        #expect(d.reported == false)
    }

    @Test func aBounceIsOneChangeStampedWithItsFirstEdge() {
        var d = Debouncer(debounce: .milliseconds(20), initial: false)
        #expect(d.edge(level: true, at: 1_000) == .recheck(afterNanoseconds: 20_000_000))
        #expect(d.edge(level: false, at: 1_500) == .recheck(afterNanoseconds: 20_000_000))
        #expect(d.edge(level: true, at: 2_000) == .recheck(afterNanoseconds: 20_000_000))
        #expect(d.waiting && d.firstEdge == 1_000)
        #expect(d.quiet(level: true) == .change(level: true, at: 1_000))
        #expect(!d.waiting && d.reported)
        // The next burst starts its own stamp.
        #expect(d.edge(level: false, at: 9_000) == .recheck(afterNanoseconds: 20_000_000))
        #expect(d.quiet(level: false) == .change(level: false, at: 9_000))
    }

    @Test func aSpikeShorterThanTheDebounceVanishes() {
        var d = Debouncer(debounce: .milliseconds(50), initial: true)
        _ = d.edge(level: false, at: 10)
        _ = d.edge(level: true, at: 20)
        #expect(d.quiet(level: true) == .none)
        #expect(d.reported && !d.waiting)
    }

    @Test func aLineThatCannotBeReadReportsNothingAndEndsTheWait() {
        var d = Debouncer(debounce: .milliseconds(50), initial: false)
        _ = d.edge(level: true, at: 10)
        #expect(d.quiet(level: nil) == .none)
        #expect(!d.waiting && !d.reported)
        _ = d.edge(level: true, at: 70)
        #expect(d.quiet(level: true) == .change(level: true, at: 70))
    }

    @Test func debounceTimesInNanoseconds() {
        #expect(Debouncer.nanoseconds(.milliseconds(200)) == 200_000_000)
        #expect(Debouncer.nanoseconds(.seconds(1.5)) == 1_500_000_000)
        #expect(Debouncer.nanoseconds(.microseconds(3)) == 3_000)
        #expect(Debouncer.nanoseconds(.zero) == 0)
    }
}
