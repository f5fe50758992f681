import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The technician's side of the control API: one HTTP/1.1 request to a running controller over
/// its Unix socket, through SwiftNIO. The commands `lanterne status`, `lanterne override`...
/// use it.
public struct ControlClient: Sendable {
    /// Where the controller answers.
    public enum Endpoint: Sendable {
        /// Its Unix socket.
        case socket(String)
        /// Its TCP listener (`lanterne run --https`), with TLS or (loopback only) without, trusting
        /// the server's certificate by `caFile` (nil: the system's roots).
        case tcp(host: String, port: Int, tls: Bool, caFile: String?, certificate: (chain: String, key: String)?)
    }

    public let endpoint: Endpoint
    /// The bearer token sent on TCP.
    public let token: String?
    /// The controller's place, for messages: the socket's path or the URL.
    public let socketPath: String

    public init(socketPath: String) {
        self.endpoint = .socket(socketPath)
        self.token = nil
        self.socketPath = socketPath
    }

    /// `https://HOST:PORT` (or `http://` on loopback), with the token and the certificate
    /// authority to trust.
    /// `certificate`: a client certificate and its key (PEM), for a controller that takes them
    /// (mutual TLS) instead of a token.
    public init(url: String, token: String?, caFile: String?, certificate: (chain: String, key: String)? = nil) throws(ControlClientError) {
        guard let u = URLComponents(string: url), let scheme = u.scheme, scheme == "https" || scheme == "http", let host = u.host else {
            throw ControlClientError(socket: url, reason: "--controller \(url) is not https://HOST:PORT")
        }
        self.endpoint = .tcp(host: host, port: u.port ?? (scheme == "https" ? 443 : 80), tls: scheme == "https", caFile: caFile,
                             certificate: certificate)
        self.token = token
        self.socketPath = url
    }

    /// A connection to the controller, speaking HTTP/1.1.
    private func connect() async throws -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart> {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        let http: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
            }
        }
        switch endpoint {
        case .socket(let path):
            return try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: http)
        case .tcp(let host, let port, let tls, let caFile, let certificate):
            guard tls else { return try await bootstrap.connect(host: host, port: port, channelInitializer: http) }
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile { configuration.trustRoots = .file(caFile) }
            if let certificate {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate.chain).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: certificate.key, format: .pem))
            }
            let context = try NIOSSLContext(configuration: configuration)
            return try await bootstrap.connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: host.first?.isNumber == true ? nil : host))
                }.flatMap { http(channel) }
            }
        }
    }

    /// The request's head, with the token on TCP.
    private func head(_ method: HTTPMethod, _ path: String) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: "lanterne")
        if let token { head.headers.add(name: "Authorization", value: "Bearer \(token)") }
        return head
    }

    /// Any failure as the client says it: the socket's error with what to do about it.
    private func described(_ error: any Error) -> ControlClientError {
        switch error {
        case let e as ControlClientError: e
        case let e as IOError: ControlClientError(socket: socketPath, errno: e.errnoCode)
        case let e as NIOSSLError:
            if case .handshakeFailed(let why) = e, "\(why)".contains("CERTIFICATE_VERIFY_FAILED") {
                ControlClientError(socket: socketPath, reason: "\(socketPath): the controller's certificate is not one this client trusts (give --ca-file: its certificate, or its authority's)")
            } else {
                ControlClientError(socket: socketPath, reason: "\(socketPath): TLS failed: \(e)")
            }
        case let e as BoringSSLError:
            if "\(e)".contains("UNKNOWN_CA") || "\(e)".contains("CERTIFICATE") {
                ControlClientError(socket: socketPath, reason: "\(socketPath): TLS failed: the controller does not take this client certificate (not signed by the authority it trusts)")
            } else {
                ControlClientError(socket: socketPath, reason: "\(socketPath): TLS failed: \(e)")
            }
        default: ControlClientError(socket: socketPath, reason: "\(error)")
        }
    }

    /// An answer: its HTTP status and body.
    public struct Answer: Sendable {
        public var status: Int
        public var body: Data
    }

    /// Sends `method path` with `body` (JSON) and waits for the whole answer. A `GET` whose
    /// connection closed before any answer is sent once more (it changes nothing).
    public func send(_ method: HTTPMethod, _ path: String, body: Data? = nil) async throws(ControlClientError) -> Answer {
        do {
            return try await sendOnce(method, path, body: body)
        } catch where method == .GET && error.status == nil && !error.message.hasPrefix("cannot reach") {
            return try await sendOnce(method, path, body: body)
        }
    }

    private func sendOnce(_ method: HTTPMethod, _ path: String, body: Data?) async throws(ControlClientError) -> Answer {
        do {
            let channel = try await connect()
            return try await channel.executeThenClose { inbound, outbound in
                var head = head(method, path)
                head.headers.add(name: "Connection", value: "close")
                if let body {
                    head.headers.add(name: "Content-Type", value: "application/json")
                    head.headers.add(name: "Content-Length", value: "\(body.count)")
                }
                // A controller that answers before it has read everything (a refusal) may close
                // the connection meanwhile: its answer is read all the same.
                var unsent: (any Error)?
                do {
                    try await outbound.write(.head(head))
                    if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    try await outbound.write(.end(nil))
                } catch {
                    unsent = error
                }
                var answer = Answer(status: 0, body: Data())
                for try await part in inbound {
                    switch part {
                    case .head(let h): answer.status = Int(h.status.code)
                    case .body(let b): answer.body.append(contentsOf: b.readableBytesView)
                    case .end: return answer
                    }
                }
                throw unsent ?? ControlClientError(socket: socketPath, reason: "the controller closed the connection before answering")
            }
        } catch {
            throw described(error)
        }
    }

    /// `GET path` whose answer is JSON lines, handed one by one to `line` as they arrive, until
    /// the controller ends the answer (or the task is cancelled). An error answer is thrown.
    public func follow(_ path: String, line: @Sendable (Data) throws -> Void) async throws(ControlClientError) {
        do {
            let channel = try await connect()
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(.head(head(.GET, path)))
                try await outbound.write(.end(nil))
                var status = 0, pending = Data(), refusal = Data()
                for try await part in inbound {
                    switch part {
                    case .head(let h): status = Int(h.status.code)
                    case .body(let b):
                        guard status == 200 else { refusal.append(contentsOf: b.readableBytesView); continue }
                        pending.append(contentsOf: b.readableBytesView)
                        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                            try line(pending[pending.startIndex..<newline])
                            pending = Data(pending[pending.index(after: newline)...])
                        }
                    case .end:
                        guard status == 200 else {
                            let error = try? APICoding.decoder().decode(APIError.self, from: refusal)
                            throw ControlClientError(socket: socketPath, status: status, message: error?.error ?? String(decoding: refusal, as: UTF8.self))
                        }
                        return
                    }
                }
            }
        } catch {
            throw described(error)
        }
    }

    /// An error answer as the error it is (nothing for a 2xx answer).
    public func check(_ answer: Answer) throws(ControlClientError) {
        guard !(200..<300).contains(answer.status) else { return }
        let error = try? APICoding.decoder().decode(APIError.self, from: answer.body)
        let message = error?.error ?? String(decoding: answer.body, as: UTF8.self)
        throw ControlClientError(socket: socketPath, status: answer.status, message: message, findings: error?.findings ?? [])
    }

    /// Sends a request and decodes a 2xx answer as `T`; an error answer becomes a
    /// ``ControlClientError`` with the controller's message.
    public func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = Optional<Int>.none,
                                   as: T.Type) async throws(ControlClientError) -> T {
        var data: Data?
        if let body {
            do { data = try APICoding.encoder().encode(body) } catch { throw ControlClientError(socket: socketPath, reason: "\(error)") }
        }
        let answer = try await send(method, path, body: data)
        try check(answer)
        do { return try APICoding.decoder().decode(T.self, from: answer.body) } catch {
            throw ControlClientError(socket: socketPath, reason: "the controller's answer to \(method) \(path) is not what this program reads: \(error)")
        }
    }
}

/// A request that did not get what it asked for: the controller unreachable, or its refusal.
public struct ControlClientError: Error, CustomStringConvertible, Sendable {
    public var socket: String
    /// The HTTP status of a refusal (nil: no answer).
    public var status: Int?
    public var message: String
    /// A refused profile's findings (`FILE:LINE:COL: error: ...`).
    public var findings: [String] = []

    init(socket: String, reason: String) {
        self.socket = socket
        self.status = nil
        self.message = reason
    }

    init(socket: String, status: Int, message: String, findings: [String] = []) {
        self.socket = socket
        self.status = status
        self.message = message
        self.findings = findings
    }

    init(socket: String, errno e: Int32) {
        let hint = switch e {
        case ENOENT, ECONNREFUSED: "; is 'lanterne run' running, serving this (--control, --https)?"
        case EACCES, EPERM: "; the socket is for the members of its group (lanterne): add your user to it, then log in again"
        default: ""
        }
        self.init(socket: socket, reason: "cannot reach the controller at \(socket): \(String(cString: strerror(e)))\(hint)")
    }

    public var description: String { ([message] + findings.map { "  " + $0 }).joined(separator: "\n") }
}
