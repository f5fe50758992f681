import ControlAPI
import Foundation
import ModbusTestSupport
import Testing

/// The control API on TCP (`lanterne run --https`): TLS with the server's certificate, bearer
/// tokens kept hashed, who made a change, refusals without or with a wrong token, repeated
/// failures slowed down, and a run that does not start when asked to serve it unsafely.
@Suite(.serialized) struct RemoteAccessTests {
    /// A self-signed certificate for 127.0.0.1 and localhost (openssl), and a token for alice.
    static func credentials(in dir: URL) throws -> (cert: String, key: String, tokens: String, token: String) {
        let cert = dir.appendingPathComponent("tls.crt").path, key = dir.appendingPathComponent("tls.key").path
        try ControlAPITests.shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout \(key) -out \(cert) "
                                  + "-days 2 -subj /CN=cabinet -addext subjectAltName=IP:127.0.0.1,DNS:localhost")
        let tokens = dir.appendingPathComponent("tokens").path
        let made = try CLIRunner.run(["keys", "token", "--name", "alice", "--tokens", tokens])
        guard made.status == 0 else { throw TestbedError("keys token: \(made.stderr)") }
        let token = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try token.write(toFile: dir.appendingPathComponent("alice.token").path, atomically: true, encoding: .utf8)
        return (cert, key, tokens, token)
    }

    @Test func aTokenOverTLSOpensTheAPIAndNothingElseDoes() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let peer = try CabinetPeer(timeScale: 1)
        let (dir, cabinet) = try ControlAPITests.cabinet(on: peer, id: "remote")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try Self.credentials(in: dir)
        #expect(try String(contentsOfFile: c.tokens, encoding: .utf8).contains("alice "))
        #expect(try !String(contentsOfFile: c.tokens, encoding: .utf8).contains(c.token), "the token itself is kept")
        let port = try RunMetricsTests.freePort()
        let url = "https://127.0.0.1:\(port)"
        let (process, err) = try await ControlAPITests.start(cabinet, in: dir, extra: ["--https", "127.0.0.1:\(port)", "--tls-cert", c.cert,
                                                                                    "--tls-key", c.key, "--control-tokens", c.tokens])
        defer { _ = ControlAPITests.stop(process, err) }
        let remote = ["--controller", url, "--token-file", dir.appendingPathComponent("alice.token").path, "--ca-file", c.cert]
        var status = try CLIRunner.run(["status"] + remote)
        for _ in 0..<50 where status.status != 0 {   // the TCP listener may start after the socket's
            try await Task.sleep(for: .milliseconds(100))
            status = try CLIRunner.run(["status"] + remote)
        }
        #expect(status.status == 0 && status.stdout.contains("cabinet remote"), "\(status)")
        let set = try CLIRunner.run(["override", "--level", "30", "--all", "--for", "1m"] + remote)
        #expect(set.status == 0, "\(set)")
        let by = try await ControlClient(socketPath: dir.appendingPathComponent("control.sock").path)
            .call(.GET, "/v1/overrides", as: OverrideList.self).overrides.first?.by
        #expect(by == "alice (token, from 127.0.0.1)", "\(String(describing: by))")

        // Refusals: no token, a wrong one; a certificate the client does not trust.
        for token in [nil, "0123"] {
            do {
                _ = try await ControlClient(url: url, token: token, caFile: c.cert).call(.GET, "/v1/status", as: CabinetStatus.self)
                Issue.record("answered without a valid token")
            } catch {
                #expect(error.status == 401, "\(error)")
                #expect(error.message.contains(token == nil ? "needs 'Authorization: Bearer TOKEN'" : "not one this controller holds"), "\(error)")
            }
        }
        let untrusted = try CLIRunner.run(["status", "--controller", url, "--token-file", dir.appendingPathComponent("alice.token").path])
        #expect(untrusted.status == 1 && untrusted.stderr.contains("certificate is not one this client trusts"), "\(untrusted)")

        // Failures from one address slow down: after three, each waits longer (1 s by the sixth).
        var last = Duration.zero
        for _ in 0..<4 {
            let began = ContinuousClock.now
            _ = try? await ControlClient(url: url, token: "wrong", caFile: c.cert).call(.GET, "/v1/status", as: CabinetStatus.self)
            last = ContinuousClock.now - began
        }
        #expect(last >= .milliseconds(950), "the sixth failure was answered in \(last)")
        // A valid token still gets in, and is not slowed.
        #expect(try CLIRunner.run(["status"] + remote).status == 0)
    }

    /// A client certificate (CN) signed by `ca` (made here if missing): `NAME.crt`, `NAME.key`.
    static func clientCertificate(_ name: String, authority ca: String, in dir: URL) throws -> (cert: String, key: String) {
        let d = dir.path
        if !FileManager.default.fileExists(atPath: "\(d)/\(ca).crt") {
            try ControlAPITests.shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout \(d)/\(ca).key "
                                      + "-out \(d)/\(ca).crt -days 2 -subj /CN=\(ca)")
        }
        try ControlAPITests.shell("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout \(d)/\(name).key "
                                  + "-out \(d)/\(name).csr -subj /CN=\(name) && openssl x509 -req -in \(d)/\(name).csr -CA \(d)/\(ca).crt "
                                  + "-CAkey \(d)/\(ca).key -CAcreateserial -out \(d)/\(name).crt -days 2")
        return ("\(d)/\(name).crt", "\(d)/\(name).key")
    }

    /// Mutual TLS: a certificate of the client authority opens the API as a token does, and says
    /// who; one of another authority is refused at the handshake; tokens still work.
    @Test func aClientCertificateOfTheAuthorityOpensTheAPI() async throws {
        try RunLedgerTests.declareKernelClockSynchronised()
        let peer = try CabinetPeer(timeScale: 1)
        let (dir, cabinet) = try ControlAPITests.cabinet(on: peer, id: "mtls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try Self.credentials(in: dir)
        let bob = try Self.clientCertificate("bob", authority: "technicians-ca", in: dir)
        let mallory = try Self.clientCertificate("mallory", authority: "other-ca", in: dir)
        let port = try RunMetricsTests.freePort()
        let url = "https://127.0.0.1:\(port)"
        let (process, err) = try await ControlAPITests.start(cabinet, in: dir, extra: [
            "--https", "127.0.0.1:\(port)", "--tls-cert", c.cert, "--tls-key", c.key, "--control-tokens", c.tokens,
            "--tls-client-ca", dir.appendingPathComponent("technicians-ca.crt").path])
        defer { _ = ControlAPITests.stop(process, err) }
        let asBob = ["--controller", url, "--ca-file", c.cert, "--cert-file", bob.cert, "--key-file", bob.key]
        var status = try CLIRunner.run(["status"] + asBob)
        for _ in 0..<50 where status.status != 0 {
            try await Task.sleep(for: .milliseconds(100))
            status = try CLIRunner.run(["status"] + asBob)
        }
        #expect(status.status == 0 && status.stdout.contains("cabinet mtls"), "\(status)")
        #expect(try CLIRunner.run(["override", "--level", "40", "--group", "street", "--for", "1m"] + asBob).status == 0)
        let by = try await ControlClient(socketPath: dir.appendingPathComponent("control.sock").path)
            .call(.GET, "/v1/overrides", as: OverrideList.self).overrides.first?.by
        #expect(by == "bob (certificate, from 127.0.0.1)", "\(String(describing: by))")

        let stranger = try CLIRunner.run(["status", "--controller", url, "--ca-file", c.cert, "--cert-file", mallory.cert, "--key-file", mallory.key])
        #expect(stranger.status == 1 && stranger.stderr.contains("TLS failed"), "\(stranger)")
        do {
            _ = try await ControlClient(url: url, token: nil, caFile: c.cert).call(.GET, "/v1/status", as: CabinetStatus.self)
            Issue.record("answered with neither a token nor a certificate")
        } catch {
            #expect(error.status == 401 && error.message.contains("or a client certificate of its authority"), "\(error)")
        }
        let token = ["--controller", url, "--ca-file", c.cert, "--token-file", dir.appendingPathComponent("alice.token").path]
        #expect(try CLIRunner.run(["status"] + token).status == 0)
    }

    @Test func aRunAskedToServeUnsafelyDoesNotStart() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lanterne-remote-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cabinet = CLIRunner.packageRoot.appendingPathComponent("examples/testbed/cabinet.yaml").path
        let plain = try CLIRunner.run(["run", "--cabinet", cabinet, "--control", "none", "--https", "0.0.0.0:18444",
                                       "--control-tokens", dir.appendingPathComponent("tokens").path])
        #expect(plain.status == 1 && plain.stderr.contains("is not a loopback address: it needs TLS (--tls-cert and --tls-key)"), "\(plain)")
        let noTokens = try CLIRunner.run(["run", "--cabinet", cabinet, "--control", "none", "--https", "127.0.0.1:18444",
                                          "--control-tokens", dir.appendingPathComponent("tokens").path])
        #expect(noTokens.status == 1 && noTokens.stderr.contains("cannot be read ('lanterne keys token --name NAME"), "\(noTokens)")
        let half = try CLIRunner.run(["run", "--cabinet", cabinet, "--https", "127.0.0.1:18444", "--tls-cert", "x.pem"])
        #expect(half.status == 2 && half.stderr.contains("give both --tls-cert and --tls-key"), "\(half)")
    }
}
