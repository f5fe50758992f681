import ControlAPI
import Crypto
import Foundation
import Hummingbird
import Ledger
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// The control API on TCP, for a technician's laptop on the cabinet's network or a remote
/// operator (`lanterne run --https HOST:PORT`): the same operations as on the Unix socket,
/// every request authenticated by a bearer token (the tokens file keeps their SHA-256 only) or
/// by a client certificate that the client authority signed (mutual TLS, `--tls-client-ca`).
/// TLS (`--tls-cert`, `--tls-key`) is required unless the address is loopback; a run asked for
/// anything else does not start. Repeated failed authentication from an address is slowed down.
public struct RemoteAccess: Sendable {
    public var host: String
    public var port: Int
    /// The server's certificate chain and key (PEM); nil: plain HTTP, loopback only.
    public var tls: (certificate: String, key: String)?
    /// The tokens file: `NAME SHA256-HEX` per line (`lanterne keys token` writes it).
    public var tokens: String
    /// The authority (PEM) whose client certificates authenticate (mutual TLS), as a token does;
    /// nil: tokens only.
    public var clientCA: String?

    public init(host: String, port: Int, tls: (certificate: String, key: String)?, tokens: String, clientCA: String? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.tokens = tokens
        self.clientCA = clientCA
    }

    /// Whether `host` is a loopback address.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Why this cannot be served (nil: it can).
    public var problem: String? {
        if tls == nil, !Self.isLoopback(host) {
            return "--https \(host):\(port) is not a loopback address: it needs TLS (--tls-cert and --tls-key); the control API is not served without it"
        }
        if let clientCA {
            guard tls != nil else { return "--tls-client-ca needs TLS (--tls-cert and --tls-key)" }
            guard FileManager.default.isReadableFile(atPath: clientCA) else { return "the client certificate authority \(clientCA) cannot be read" }
            return nil   // client certificates authenticate; tokens too, when the file has some
        }
        guard FileManager.default.isReadableFile(atPath: tokens) else {
            return "the control tokens file \(tokens) cannot be read ('lanterne keys token --name NAME --tokens \(tokens)' makes one)"
        }
        if TokenBook(path: tokens).names.isEmpty {
            return "the control tokens file \(tokens) holds no token: nobody could use the API ('lanterne keys token --name NAME --tokens \(tokens)')"
        }
        return nil
    }
}

/// The tokens that open the API: `NAME SHA256-HEX` per line, `#` comments. A request's token is
/// hashed and compared with each (in constant time); the name says who made a change.
public struct TokenBook: Sendable {
    let entries: [(name: String, digest: [UInt8])]

    public init(path: String) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        entries = text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count == 2, !line.hasPrefix("#"), words[1].count == 64, let digest = Hex.decode(String(words[1])) else { return nil }
            return (String(words[0]), Array(digest))
        }
    }

    public var names: [String] { entries.map(\.name) }

    /// The token's holder, or nil.
    public func holder(of token: String) -> String? {
        let digest = Array(SHA256.hash(data: Data(token.utf8)))
        var found: String?
        for e in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(e.digest, digest) { difference |= a ^ b }
            if difference == 0, e.digest.count == digest.count { found = e.name }
        }
        return found
    }

    /// A new random token (32 bytes, hex) and its line for the tokens file.
    public static func make(name: String) -> (token: String, line: String) {
        var generator = SystemRandomNumberGenerator()
        let token = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let digest = Hex.encode(Data(SHA256.hash(data: Data(token.utf8))))
        return (token, "\(name) \(digest)")
    }
}

/// Failed authentications per client address: each one after the third waits longer before
/// its refusal (0.25 s, 0.5 s, 1 s ... up to 8 s); a success, or ten quiet minutes, forgets them.
public actor AuthGuard {
    private var failures: [String: (count: Int, last: ContinuousClock.Instant)] = [:]

    public init() {}

    /// How long the refusal of a new failure from `address` waits.
    public func failed(from address: String) -> Duration {
        let now = ContinuousClock.now
        var entry = failures[address] ?? (0, now)
        if now - entry.last > .seconds(600) { entry.count = 0 }
        entry.count += 1
        entry.last = now
        failures[address] = entry
        return Self.delay(afterFailures: entry.count)
    }

    public func succeeded(from address: String) { failures[address] = nil }

    public static func delay(afterFailures n: Int) -> Duration {
        n <= 3 ? .zero : .milliseconds(min(8000, 250 << min(n - 4, 5)))
    }
}

/// Every request on TCP carries `Authorization: Bearer TOKEN` of the tokens file, or comes
/// over a connection whose client certificate the client authority signed (mutual TLS).
struct BearerAuthentication: RouterMiddleware {
    typealias Context = ControlRequestContext
    let book: TokenBook
    let guardian: AuthGuard
    /// Client certificates are verified (by the TLS handshake, against the client authority).
    let certificates: Bool

    /// The verified client certificate's common name, if the connection has one.
    static func certificateHolder(of channel: any Channel) async -> String? {
        try? await channel.eventLoop.submit { () -> String? in
            let handler = try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            return handler.peerCertificate?.subjectName.first { $0.type == .commonName }?.value
        }.get()
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if certificates, let holder = await Self.certificateHolder(of: context.channel) {
            var context = context
            context.identity = "\(holder) (certificate, from \(address))"
            return try await next(request, context)
        }
        let header = request.headers[.authorization] ?? ""
        let token = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : ""
        guard !token.isEmpty, let name = book.holder(of: token) else {
            let wait = await guardian.failed(from: address)
            if wait > .zero { try? await Task.sleep(for: wait) }
            let message = token.isEmpty
                ? "this API needs 'Authorization: Bearer TOKEN' (lanterne --controller URL --token-file F)" + (certificates ? " or a client certificate of its authority" : "")
                : "the token is not one this controller holds"
            return ErrorBody.body(.unauthorized, message)
        }
        await guardian.succeeded(from: address)
        var context = context
        context.identity = "\(name) (token, from \(address))"
        return try await next(request, context)
    }
}

extension ControlServer {
    /// The API on `access`'s address, a service of the run's group; its routes are the
    /// socket's, behind the bearer tokens.
    public func service(_ access: RemoteAccess) throws -> some Service {
        let router = router(middleware: BearerAuthentication(book: TokenBook(path: access.tokens), guardian: AuthGuard(),
                                                             certificates: access.clientCA != nil))
        let configuration = ApplicationConfiguration(address: .hostname(access.host, port: access.port), serverName: "lanterne")
        let logger = logger
        if let tls = access.tls {
            var settings = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.key, format: .pem)))
            if let clientCA = access.clientCA {
                // A client certificate is optional (a token will do), but one presented must be
                // the authority's: the handshake refuses any other.
                settings.certificateVerification = .optionalVerification
                settings.trustRoots = .file(clientCA)
            }
            let app = Application(router: router, server: try .tls(.http1(), tlsConfiguration: settings), configuration: configuration, logger: logger)
            return RemoteService(run: { try await app.run() }, logger: logger, address: "https://\(access.host):\(access.port)",
                                 clientCertificates: access.clientCA != nil)
        }
        let app = Application(router: router, configuration: configuration, logger: logger)
        return RemoteService(run: { try await app.run() }, logger: logger, address: "http://\(access.host):\(access.port)")
    }
}

struct RemoteService: Service {
    let run: @Sendable () async throws -> Void
    let logger: Logger
    let address: String
    var clientCertificates = false

    func run() async {
        logger.notice("control API: \(address) (\(clientCertificates ? "bearer tokens or client certificates" : "bearer tokens"))")
        do { try await run() } catch { logger.error("control API at \(address): \(error); the run goes on without it") }
    }
}
