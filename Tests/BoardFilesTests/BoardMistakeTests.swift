import BoardFiles
import SourceFiles
import Testing

/// Each class of mistake in a board file: the one finding it gives, its message, and the
/// node it points at (`board.yaml:LINE:COL`). Every file below is otherwise valid, so a
/// finding too many or too few fails the test as much as a wrong position.
@Suite struct BoardMistakeTests {
    /// A valid hardware board with one of everything, followed by `extra` lines.
    static func hardware(outputs: String = "  - { id: k1, kind: relay, gpio: { chip: main, line: 5 } }",
                         inputs: String = "", meters: String = "", extra: String = "") -> String {
        """
        board: test
        driver: hardware
        chips:
          - { id: main, chip: gpiochip0 }
        buses:
          - { id: rs485, rtu: /dev/ttyUSB0 }
        gateways:
          - { id: gw, bus: rs485, unit: 2, channels: 4, level: { register: 0, fullScale: 254 } }
        outputs:
        \(outputs)
        inputs:
        \(inputs.isEmpty ? "  - { id: door, kind: door, gpio: { chip: main, line: 6 } }" : inputs)
        meters:
        \(meters.isEmpty ? "  - { id: m1, model: sdm630, bus: rs485, unit: 1 }" : meters)
        \(extra)
        """
    }

    /// `text` has exactly these errors: each `(message, needle)` points at the needle's first
    /// occurrence (or its `occurrence`th).
    static func expect(_ text: String, _ expected: [(String, String, Int)], shift: Int = 0, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let want = expected.map { message, needle, occurrence in "\(BoardText.at(needle, in: text, occurrence: occurrence, shift: shift)): error: \(message)" }
        #expect(BoardText.errors(text) == want, sourceLocation: sourceLocation)
        #expect(BoardText.load(text).value == nil, sourceLocation: sourceLocation)
    }
    static func expect(_ text: String, _ message: String, at needle: String, occurrence: Int = 1, shift: Int = 0,
                       sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        expect(text, [(message, needle, occurrence)], shift: shift, sourceLocation: sourceLocation)
    }

    @Test func theBaseBoardIsValid() throws {
        let board = try #require(BoardText.load(Self.hardware()).value)
        #expect(board.outputs.map(\.id) == ["k1"] && board.inputs.map(\.id) == ["door"] && board.meters.map(\.id) == ["m1"])
        #expect(BoardText.load(Self.hardware()).diagnostics.items.isEmpty)
    }

    // MARK: what a meter measures

    @Test func aMeterMeasuresTheBoardsOutputsByPhaseOrAsAWhole() throws {
        let two = "  - { id: k1, kind: relay, gpio: { chip: main, line: 5 } }\n  - { id: k2, kind: relay, gpio: { chip: main, line: 7 } }"
        let phased = try #require(BoardText.load(Self.hardware(outputs: two,
            meters: "  - { id: m1, model: sdm630, bus: rs485, unit: 1, phases: { L1: [k1], L3: k2 } }")).value)
        #expect(phased.meters[0].measures == .phases([["k1"], [], ["k2"]]))
        let whole = try #require(BoardText.load(Self.hardware(outputs: two,
            meters: "  - { id: m1, model: sdm120, bus: rs485, unit: 1, measures: [k2] }")).value)
        #expect(whole.meters[0].measures == .outputs(["k2"]))
        #expect(try #require(BoardText.load(Self.hardware()).value).meters[0].measures == nil)   // the whole cabinet
    }

    @Test func anOutputAMeterNamesMustExist() {
        let text = Self.hardware(meters: "  - { id: m1, model: sdm630, bus: rs485, unit: 1, measures: [k2, kl] }")
        Self.expect(text, [("'meters[0].measures[0]': output 'k2' is not defined on this board; did you mean 'k1'?", "k2", 1),
                           ("'meters[0].measures[1]': output 'kl' is not defined on this board; did you mean 'k1'?", "kl", 1)])
    }

    @Test func anOutputIsFedByOnePhase() {
        let text = Self.hardware(meters: "  - { id: m1, model: sdm630, bus: rs485, unit: 1, phases: { L1: [k1], L2: [k1] } }")
        Self.expect(text, "'meters[0].phases.L2[0]': output 'k1' is on L1 already: an output is fed by one phase", at: "k1", occurrence: 3)
    }

    @Test func aSinglePhaseMeterHasNoPhases() {
        let text = Self.hardware(meters: "  - { id: m1, model: sdm120, bus: rs485, unit: 1, phases: { L1: [k1] } }")
        Self.expect(text, "'meters[0].phases': a sdm120 meter has no phase registers (an sdm630 has three); give 'measures' instead", at: "{ L1")
    }

    @Test func measuresAndPhasesExcludeEachOther() {
        let text = Self.hardware(meters: "  - { id: m1, model: sdm630, bus: rs485, unit: 1, measures: [k1], phases: { L4: [k1] } }")
        Self.expect(text, [("'meters[0].measures' and 'phases' exclude each other: a meter measures by phase or as a whole", "[k1]", 1),
                           ("unknown key 'L4' in 'meters[0].phases'; did you mean 'L1'?", "L4", 1)])
    }

    @Test func anEmptyMeasuresIsAMistake() {
        let text = Self.hardware(meters: "  - { id: m1, model: sdm630, bus: rs485, unit: 1, measures: [] }")
        Self.expect(text, "'meters[0].measures' names no output: list the outputs whose feeds the meter measures, or leave it out (the whole cabinet)", at: "[]")
    }

    @Test func anInverterMeasuresNothing() {
        let text = Self.hardware(extra: "inverters:\n  - { id: pv, model: sunspec, bus: rs485, unit: 3, measures: [k1] }")
        Self.expect(text, "unknown key 'measures' in 'inverters[0]'", at: "measures")
    }

    // MARK: keys

    @Test func anUnknownKeyGetsASuggestionAndTheMissingOneIsReported() {
        Self.expect(Self.hardware(outputs: "  - { id: k1, kinf: relay, gpio: { chip: main, line: 5 } }"), [
            ("unknown key 'kinf' in 'outputs[0]'; did you mean 'kind'?", "kinf", 1),
            ("missing required key 'kind' in 'outputs[0]'", "{ id: k1", 1),
        ])
        Self.expect(Self.hardware(extra: "invertors: []"),
                    "unknown key 'invertors' in the document; did you mean 'inverters'?", at: "invertors")
    }

    @Test func missingRequiredKeysAreReportedAtTheirMapping() {
        Self.expect("board: test\noutputs: []\n", "missing required key 'driver' in the document", at: "board")
        let gateway = Self.hardware().replacingOccurrences(of: ", level: { register: 0, fullScale: 254 }", with: "")
        Self.expect(gateway, "missing required key 'level' in 'gateways[0]'", at: "{ id: gw")
        let level = Self.hardware().replacingOccurrences(of: "register: 0, fullScale: 254", with: "register: 0")
        Self.expect(level, "missing required key 'fullScale' in 'gateways[0].level'", at: "{ register: 0 }")
    }

    @Test func anotherKindOfFileIsNamed() {
        Self.expect("cabinet: montdidier\nboard: x.yaml\n",
                    "this is a cabinet file (it has a top-level 'cabinet:' key), not a board file", at: "cabinet")
    }

    // MARK: ids and references

    @Test func duplicateIdsPointAtTheSecondAndNameTheFirst() {
        let outputs = """
              - { id: k1, kind: relay, gpio: { chip: main, line: 5 } }
              - { id: k1, kind: relay, gpio: { chip: main, line: 7 } }
            """
        let text = Self.hardware(outputs: outputs)
        let first = BoardText.position("{ id: k1", in: text)
        Self.expect(text, "duplicate device id 'k1' (first defined at \(first))", at: "{ id: k1", occurrence: 2)
        // Gateways share the devices' ids.
        let gw = Self.hardware(outputs: "  - { id: gw, kind: relay, gpio: { chip: main, line: 5 } }")
        Self.expect(gw, "duplicate device id 'gw' (first defined at 10:5)", at: "{ id: gw", occurrence: 1)
        let chips = Self.hardware().replacingOccurrences(of: "  - { id: main, chip: gpiochip0 }",
                                                         with: "  - { id: main, chip: gpiochip0 }\n  - { id: main, chip: gpiochip1 }")
        Self.expect(chips, "duplicate chip id 'main' (first defined at 4:5)", at: "{ id: main", occurrence: 2)
        let buses = Self.hardware().replacingOccurrences(of: "  - { id: rs485, rtu: /dev/ttyUSB0 }",
                                                         with: "  - { id: rs485, rtu: /dev/ttyUSB0 }\n  - { id: rs485, rtu: /dev/ttyUSB1 }")
        Self.expect(buses, "duplicate bus id 'rs485' (first defined at 6:5)", at: "{ id: rs485", occurrence: 2)
    }

    @Test func unknownChipBusAndGatewayReferencesGetASuggestion() {
        Self.expect(Self.hardware(outputs: "  - { id: k1, kind: relay, gpio: { chip: mian, line: 5 } }"),
                    "'outputs[0].gpio.chip': no chip 'mian' in 'chips'; did you mean 'main'?", at: "mian")
        Self.expect(Self.hardware(outputs: "  - { id: k1, kind: relay, coil: { bus: rs458, unit: 1, address: 0 } }"),
                    "'outputs[0].coil.bus': no bus 'rs458' in 'buses'; did you mean 'rs485'?", at: "rs458")
        Self.expect(Self.hardware(outputs: "  - { id: d1, kind: dimmer, gateway: { id: wg, channel: 0 } }"),
                    "'outputs[0].gateway.id': no gateway 'wg' in 'gateways'; did you mean 'gw'?", at: "wg")
        Self.expect(Self.hardware(meters: "  - { id: m1, model: sdm630, bus: modbus, unit: 1 }"),
                    "'meters[0].bus': no bus 'modbus' in 'buses'", at: "modbus")
        let gateway = Self.hardware().replacingOccurrences(of: "{ id: gw, bus: rs485", with: "{ id: gw, bus: rs48")
        Self.expect(gateway, "'gateways[0].bus': no bus 'rs48' in 'buses'; did you mean 'rs485'?", at: "rs48,")
    }

    @Test func aLineCoilOrChannelGivenTwiceIsReportedAtItsSecondUse() {
        let lines = """
              - { id: k1, kind: relay, gpio: { chip: main, line: relay } }
              - { id: k2, kind: relay, gpio: { chip: main, line: relay } }
            """
        let text = Self.hardware(outputs: lines)
        let first = BoardText.position("relay }", in: text)
        Self.expect(text, "GPIO chip 'main' line \"relay\" is already used at \(first)", at: "relay }", occurrence: 2)
        // The input's line 6 again, by offset, on an output.
        let offset = Self.hardware(outputs: "  - { id: k1, kind: relay, gpio: { chip: main, line: 6 } }")
        Self.expect(offset, "GPIO chip 'main' line 6 is already used at \(BoardText.position("6 } }", in: offset))",
                    at: "6 } }", occurrence: 2)
        let coils = """
              - { id: k1, kind: relay, coil: { bus: rs485, unit: 3, address: 0 } }
              - { id: k2, kind: relay, coil: { bus: rs485, unit: 3, address: 0 } }
            """
        let coilText = Self.hardware(outputs: coils)
        Self.expect(coilText, "coil 0 of unit 3 on bus 'rs485' is already used at \(BoardText.position("0 } }", in: coilText))",
                    at: "0 } }", occurrence: 2)
        let channels = """
              - { id: d1, kind: dimmer, gateway: { id: gw, channel: 1 } }
              - { id: d2, kind: dimmer, gateway: { id: gw, channel: 1 } }
            """
        let channelText = Self.hardware(outputs: channels)
        Self.expect(channelText, "channel 1 of gateway 'gw' is already used at \(BoardText.position("1 } }", in: channelText))",
                    at: "1 } }", occurrence: 2)
        // Inputs may read the same coil; only outputs own one.
        let shared = Self.hardware(outputs: "  - { id: k1, kind: relay, coil: { bus: rs485, unit: 3, address: 0 } }",
                                   inputs: "  - { id: door, kind: door, coil: { bus: rs485, unit: 3, address: 0 } }")
        #expect(BoardText.errors(shared).isEmpty)
    }

    @Test func aChannelOutsideItsGatewayOrARegisterMapPast65535() {
        Self.expect(Self.hardware(outputs: "  - { id: d1, kind: dimmer, gateway: { id: gw, channel: 4 } }"),
                    "'outputs[0].gateway.channel' is 4, but gateway 'gw' has channels 0 to 3", at: "channel: 4", shift: 9)
        let past = Self.hardware().replacingOccurrences(of: "level: { register: 0,", with: "level: { register: 65533, stride: 2,")
        Self.expect(past, "'gateways[0].level': 4 channels from register 65533 go past 65535", at: "{ register: 65533")
    }

    // MARK: values

    /// One output or input, otherwise valid, with one mistake.
    struct Mistake: Sendable, CustomTestStringConvertible {
        var outputs = "", inputs = ""
        var message: String
        var needle: String
        static func output(_ line: String, _ message: String, at needle: String) -> Mistake {
            Mistake(outputs: "  - " + line, message: message, needle: needle)
        }
        static func input(_ line: String, _ message: String, at needle: String) -> Mistake {
            Mistake(inputs: "  - " + line, message: message, needle: needle)
        }
        var text: String {
            outputs.isEmpty ? BoardMistakeTests.hardware(inputs: inputs) : BoardMistakeTests.hardware(outputs: outputs, inputs: inputs)
        }
        var testDescription: String { message }
    }

    /// Bad values (bias, debounce, safe state, minimum cycle, kind, line), input settings on an
    /// output, and attachments that do not fit the output's kind.
    static let mistakes: [Mistake] = [
        .input("{ id: door, kind: door, gpio: { chip: main, line: 6, bias: pullup } }",
               "'inputs[0].gpio.bias' must be one of as-is, disabled, pull-up, pull-down, found 'pullup'; did you mean 'pull-up'?", at: "pullup"),
        .input("{ id: door, kind: door, gpio: { chip: main, line: 6, debounce: 20s } }",
               "'inputs[0].gpio.debounce' is 20000 ms, expected 0 to 10000 ms", at: "20s"),
        .input("{ id: door, kind: door, gpio: { chip: main, line: 6, debounce: soon } }",
               "'inputs[0].gpio.debounce' must be a duration like 500ms or 2s, found 'soon'", at: "soon"),
        .output("{ id: k1, kind: relay, safeState: of, gpio: { chip: main, line: 5 } }",
                "'outputs[0].safeState' must be one of on, off, photocell, astronomical, found 'of'; did you mean 'on'?", at: "of,"),
        .output("{ id: k1, kind: relay, minimumCycle: 2h, gpio: { chip: main, line: 5 } }",
                "'outputs[0].minimumCycle' is 2h, expected 0s to 1h", at: "2h"),
        .output("{ id: k1, kind: relay, minimumCycle: often, gpio: { chip: main, line: 5 } }",
                "'outputs[0].minimumCycle' must be a duration like 90s, 10m or 1h30m, found 'often'", at: "often"),
        .output("{ id: k1, kind: relais, gpio: { chip: main, line: 5 } }",
                "'outputs[0].kind' must be one of relay, dimmer, step, found 'relais'; did you mean 'relay'?", at: "relais"),
        .output("{ id: k1, kind: relay, gpio: { chip: main, line: 1024 } }",
                "'outputs[0].gpio.line' is 1024, expected a line offset 0 to 1023", at: "1024"),
        .output("{ id: k1, kind: relay, gpio: { chip: main, line: 5, bias: pull-up } }",
                "'outputs[0].gpio.bias' applies only to inputs", at: "pull-up"),
        .output("{ id: k1, kind: relay, gpio: { chip: main, line: 5, debounce: 20ms } }",
                "'outputs[0].gpio.debounce' applies only to inputs", at: "20ms"),
        .output("{ id: k1, kind: relay, coil: { bus: rs485, unit: 3, address: 0, activeLow: true } }",
                "'outputs[0].coil.activeLow' applies only to inputs", at: "true"),
        .output("{ id: k1, kind: relay, reducedLevel: 40, gpio: { chip: main, line: 5 } }",
                "'outputs[0].reducedLevel' applies only to outputs of kind step", at: "40"),
        .output("{ id: d1, kind: dimmer, coil: { bus: rs485, unit: 3, address: 0 } }",
                "'outputs[0].coil': a coil can only drive a relay output", at: "{ bus"),
        .output("{ id: k1, kind: relay, discreteInput: { bus: rs485, unit: 3, address: 0 } }",
                "'outputs[0].discreteInput': a discrete input cannot drive an output (use coil)", at: "{ bus"),
        .output("{ id: k1, kind: relay, gateway: { id: gw, channel: 0 } }",
                "'outputs[0].gateway': a gateway channel drives a dimmer output (kind: dimmer)", at: "{ id: gw, channel"),
        .input("{ id: door, kind: door, gateway: { id: gw, channel: 0 } }",
               "'inputs[0].gateway': a gateway channel is an output", at: "{ id: gw, channel"),
        .output("{ id: k1, kind: relay, bus: rs485 }",
                "'outputs[0].bus': meters and inverters take 'bus' and 'unit'; outputs and inputs take gpio, coil, discreteInput or gateway", at: "rs485 }"),
        .output("{ id: k1, kind: relay, gpio: { chip: main, line: 5 }, coil: { bus: rs485, unit: 3, address: 0 } }",
                "'outputs[0]' has gpio and coil; a device is attached to one thing", at: "{ id: k1"),
    ]

    @Test(arguments: mistakes) func aMistakeInAnOutputOrAnInput(_ mistake: Mistake) {
        Self.expect(mistake.text, mistake.message, at: mistake.needle)
    }

    @Test func metersAndInvertersNeedAModelABusAndAUnit() {
        Self.expect(Self.hardware(meters: "  - { id: m1, model: sdm630 }"),
                    "'meters[0]' is a sdm630 and needs a 'bus' and a 'unit'", at: "{ id: m1")
        Self.expect(Self.hardware(meters: "  - { id: m1, model: sdm630, bus: rs485 }"),
                    "'meters[0]' names a bus but no 'unit'", at: "rs485 }")
        Self.expect(Self.hardware(meters: "  - { id: m1, model: sdm630, unit: 1 }"), [
            ("'meters[0].unit' needs a 'bus'", "1 }", 1),
            ("'meters[0]' is a sdm630 and needs a 'bus' and a 'unit'", "{ id: m1", 1),
        ])
        Self.expect(Self.hardware(meters: "  - { id: m1, bus: rs485, unit: 1 }"),
                    "'meters[0]' has a bus but model simulated; give its model (sdm120, sdm630, sunspec)", at: "{ id: m1")
        Self.expect(Self.hardware(meters: "  - { id: m1, model: sdm630, bus: rs485, unit: 1, sunspecBase: 0 }"),
                    "'meters[0].sunspecBase' applies only to model sunspec", at: "sunspecBase: 0", shift: 13)
        Self.expect(Self.hardware(extra: "inverters:\n  - { id: pv, model: sdm120, bus: rs485, unit: 9 }"),
                    "'inverters[0].model': sdm120 is an energy meter, not an inverter (inverters: sunspec, simulated)", at: "sdm120")
    }

    // MARK: buses

    @Test func busMistakes() {
        /// The base board with a second bus.
        func bus(_ line: String) -> String {
            let first = "  - { id: rs485, rtu: /dev/ttyUSB0 }"
            return Self.hardware().replacingOccurrences(of: first, with: first + "\n" + line)
        }
        Self.expect(bus("  - { id: lan, rtu: /dev/ttyUSB1, parity: X }"),
                    "'buses[1].parity' must be N, E or O (none, even, odd), found 'X'", at: "X }")
        Self.expect(bus("  - { id: lan, rtu: ttyS1 }"),
                    "'buses[1].rtu' must be a device path like /dev/ttyUSB0, found 'ttyS1'", at: "ttyS1")
        Self.expect(bus("  - { id: lan, tcp: \"10.0.0.1:99999\" }"),
                    "'buses[1].tcp' must be HOST:PORT (or HOST for port 502), found '10.0.0.1:99999'", at: "\"10.0.0.1")
        Self.expect(bus("  - { id: lan, tcp: 10.0.0.1, baud: 9600 }"), "'buses[1].baud' applies only to rtu buses", at: "9600")
        Self.expect(bus("  - { id: lan, rtu: /dev/ttyUSB1, tcp: 10.0.0.1 }"),
                    "'buses[1]' has both 'rtu' and 'tcp'; a bus is one or the other", at: "{ id: lan")
        Self.expect(bus("  - { id: lan, timeout: 5ms }"), [
            ("'buses[1].timeout' is 5 ms, expected 10 to 60000 ms", "5ms", 1),
            ("'buses[1]' needs 'rtu: /dev/ttyX' or 'tcp: HOST:PORT'", "{ id: lan", 1),
        ])
        Self.expect(bus("  - { id: lan, rtu: /dev/ttyUSB0 }"),
                    "bus 'lan' uses /dev/ttyUSB0 again (first used at 6:5); a port has one owner", at: "{ id: lan")
        // A baud rate that is allowed but not standard is a warning, and the board still loads.
        let odd = bus("  - { id: lan, rtu: /dev/ttyUSB1, baud: 10000 }")
        #expect(BoardText.warnings(odd) == ["\(BoardText.at("10000", in: odd)): warning: 'buses[1].baud' is 10000, not a standard Modbus baud rate"])
        #expect(BoardText.load(odd).value?.bus("lan")?.link == .rtu(device: "/dev/ttyUSB1", baud: 10_000, parity: "N", dataBits: 8,
                                                                    stopBits: 1, rs485: false))
    }

    @Test func busDefaultsAndAddresses() throws {
        let text = Self.hardware().replacingOccurrences(of: "  - { id: rs485, rtu: /dev/ttyUSB0 }",
                                                        with: "  - { id: rs485, rtu: /dev/ttyUSB0 }\n  - { id: lan, tcp: \"[fd00::5]\", timeout: 1.5s }")
        let board = try #require(BoardText.load(text).value)
        let rtu = try #require(board.bus("rs485"))
        #expect(rtu.link == .rtu(device: "/dev/ttyUSB0", baud: 9600, parity: "N", dataBits: 8, stopBits: 1, rs485: false))
        #expect(rtu.timeoutMilliseconds == 500 && rtu.retries == 2)
        #expect(board.bus("lan")?.link == .tcp(host: "fd00::5", port: 502) && board.bus("lan")?.timeoutMilliseconds == 1500)
        func parsed(_ text: String) -> String? { BoardLoader.hostPort(text).map { "\($0.0) \($0.1)" } }
        #expect(parsed("10.0.0.1:5020") == "10.0.0.1 5020")
        #expect(parsed("meter.local") == "meter.local 502")
        #expect(parsed("[::1]:1502") == "::1 1502")
        for bad in ["", ":502", "host:0", "host:65536", "host:x", "[::1]x", "a b:502", "[::1]:"] {
            #expect(BoardLoader.hostPort(bad) == nil, "\(bad)")
        }
    }

    // MARK: whole board

    @Test func aHardwareDeviceMustBeAttached() {
        Self.expect(Self.hardware(inputs: "  - { id: door, kind: door }"),
                    "'door' is not attached to anything: give it one of gpio, coil, discreteInput, gateway (or bus and unit for meters and inverters)",
                    at: "{ id: door")
        // A wrong attachment is the one finding, not also "not attached".
        Self.expect(Self.hardware(inputs: "  - { id: door, kind: door, gpio: { chip: nope, line: 6 } }"),
                    "'inputs[0].gpio.chip': no chip 'nope' in 'chips'", at: "nope")
    }

    @Test func aSimulatedBoardHasNoHardware() {
        let outputs = """
              - { id: k1, kind: relay, gpio: { chip: main, line: 5 } }
              - { id: k2, kind: relay }
            """
        let text = Self.hardware(outputs: outputs, inputs: "  - { id: door, kind: door }", meters: "  - { id: m1 }")
            .replacingOccurrences(of: "driver: hardware", with: "driver: simulated")
        Self.expect(text, [
            ("'k1' is attached to hardware, but the board's driver is simulated (use driver: hardware)", "{ id: k1", 1),
            ("a simulated board has no GPIO chips (use driver: hardware)", "{ id: main", 1),
            ("a simulated board has no buses (use driver: hardware)", "{ id: rs485", 1),
        ])
    }

    @Test func atMostOnePhotocell() {
        let inputs = """
              - { id: cell-a, kind: photocell, gpio: { chip: main, line: 6 } }
              - { id: cell-b, kind: photocell, gpio: { chip: main, line: 7 } }
            """
        Self.expect(Self.hardware(inputs: inputs), "a board has at most one photocell input", at: "board: test")
    }

    @Test func anUnreadableFileIsOneFindingAtItsStart() {
        let loaded = BoardLoader.load(path: "/nonexistent/board.yaml")
        #expect(loaded.value == nil)
        #expect(loaded.diagnostics.items.map(\.description) == ["/nonexistent/board.yaml:1:1: error: cannot read board: no such file"])
    }
}
