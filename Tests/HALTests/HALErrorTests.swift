import HAL
import Testing

@Suite struct HALErrorTests {
    @Test func descriptionIsOneLineNamingDeviceLocationKindAndMessage() {
        let error = HALError(.timeout, device: "meter-main", location: "/dev/ttyUSB0 unit 3 register 30073",
                             message: "no reply within 500 ms")
        #expect(error.description
                == "device \"meter-main\" (/dev/ttyUSB0 unit 3 register 30073): timeout: no reply within 500 ms")
        #expect(!error.description.contains("\n"))
    }

    @Test func descriptionWithoutLocation() {
        let error = HALError(.busy(consumer: "gpioset"), device: "relay-c1", message: "line 17 is requested")
        #expect(error.description == "device \"relay-c1\": busy (held by \"gpioset\"): line 17 is requested")
    }

    @Test func transientKinds() {
        #expect(HALError.Kind.timeout.isTransient)
        #expect(HALError.Kind.busFault.isTransient)
        #expect(HALError.Kind.busy(consumer: nil).isTransient)
        #expect(!HALError.Kind.deviceFault.isTransient)
        #expect(!HALError.Kind.halted.isTransient)
        #expect(!HALError.Kind.invalidArgument.isTransient)
    }
}
