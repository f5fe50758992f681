import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The technician's side of the control API: one HTTP/1.1 request to a running controller over
/// its Unix socket, through SwiftNIO. The commands `lanterne status`, `lanterne override`...
/// use it.
public struct ControlClient: Sendable {
    /// The controller's socket.
    public let socketPath: String

    public init(socketPath: String) { self.socketPath = socketPath }

    /// A connection to the controller, speaking HTTP/1.1.
    private func connect() async throws -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: socketPath) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Any failure as the client says it: the socket's error with what to do about it.
    private func described(_ error: any Error) -> ControlClientError {
        switch error {
        case let e as ControlClientError: e
        case let e as IOError: ControlClientError(socket: socketPath, errno: e.errnoCode)
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
                var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
                head.headers.add(name: "Host", value: "lanterne")
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
                var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
                head.headers.add(name: "Host", value: "lanterne")
                try await outbound.write(.head(head))
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

    /// Sends a request and decodes a 2xx answer as `T`; an error answer becomes a
    /// ``ControlClientError`` with the controller's message.
    public func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = Optional<Int>.none,
                                   as: T.Type) async throws(ControlClientError) -> T {
        var data: Data?
        if let body {
            do { data = try APICoding.encoder().encode(body) } catch { throw ControlClientError(socket: socketPath, reason: "\(error)") }
        }
        let answer = try await send(method, path, body: data)
        guard (200..<300).contains(answer.status) else {
            let error = try? APICoding.decoder().decode(APIError.self, from: answer.body)
            let message = error?.error ?? String(decoding: answer.body, as: UTF8.self)
            throw ControlClientError(socket: socketPath, status: answer.status, message: message, findings: error?.findings ?? [])
        }
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
        case ENOENT, ECONNREFUSED: "; is 'lanterne run' running with this control socket (--control)?"
        case EACCES, EPERM: "; the socket is for the members of its group (lanterne): add your user to it, then log in again"
        default: ""
        }
        self.init(socket: socket, reason: "cannot reach the controller at \(socket): \(String(cString: strerror(e)))\(hint)")
    }

    public var description: String { ([message] + findings.map { "  " + $0 }).joined(separator: "\n") }
}
