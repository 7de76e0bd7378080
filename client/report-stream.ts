// Status reports over one long-lived stream to the leader (ClientNode.ReportAllocations) instead
// of a call each: a call costs both ends a new HTTP/2 stream, headers, a deadline timer and a
// status, many times the cost of one message on a stream that is already open.
//
// The server answers each request in order; any failure ends the stream, and every request not
// yet answered fails with that error, to be sent again by the caller (reports are idempotent).

import * as grpc from "@grpc/grpc-js";
import * as pb from "../proto/index.js";

type Request = pb.ClientNodeUpdateAllocationsRequest;
type Response = pb.ClientNodeUpdateAllocationsResponse;

interface Waiting {
  resolve(res: Response): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class ReportStream {
  private stream: grpc.ClientDuplexStream<Request, Response> | undefined;
  private waiting: Waiting[] = [];

  /**
   * @param channel the leader's channel
   * @param timeoutMs how long a request may wait for its answer before the stream is given up
   */
  constructor(private readonly channel: grpc.Client, private readonly timeoutMs: number) {}

  /** Resolves once the server committed the request's updates. */
  send(request: Request): Promise<Response> {
    const stream = this.stream ?? this.open();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(stream, Object.assign(new Error(`no answer to a status report in ${this.timeoutMs} ms`), { code: grpc.status.DEADLINE_EXCEEDED }));
      }, this.timeoutMs);
      this.waiting.push({ resolve, reject, timer });
      stream.write(request);
    });
  }

  /** Ends the stream; requests still waiting fail as CANCELLED. */
  close(): void {
    if (this.stream) this.fail(this.stream, Object.assign(new Error("the report stream was closed"), { code: grpc.status.CANCELLED }));
  }

  private open(): grpc.ClientDuplexStream<Request, Response> {
    const method = pb.ClientNodeService.reportAllocations;
    const stream = this.channel.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize);
    stream.on("data", (res: Response) => {
      // An answer on a stream given up already belongs to none of the requests waiting now.
      if (this.stream !== stream) return;
      const next = this.waiting.shift();
      if (next === undefined) return;
      clearTimeout(next.timer);
      next.resolve(res);
    });
    stream.on("error", (err: Error) => this.fail(stream, err));
    stream.on("end", () => this.fail(stream, Object.assign(new Error("the server ended the report stream"), { code: grpc.status.UNAVAILABLE })));
    this.stream = stream;
    return stream;
  }

  private fail(stream: grpc.ClientDuplexStream<Request, Response>, err: Error): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    stream.cancel();
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }
}
