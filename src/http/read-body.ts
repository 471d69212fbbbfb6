/**
 * A request body as bytes. A large body of declared length is copied chunk by chunk, as it arrives,
 * into one buffer of that length: Hono's arrayBuffer() joins the chunks and copies the result once
 * more, two copies of the whole body in one turn of the event loop. Anything else (a small body, a
 * chunked one, a body already read, a request that did not come from Node's HTTP server) is read
 * through Hono.
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/** Bodies up to this size are read through Hono (cheap at that size). */
const DIRECT_READ_BYTES = 256 * 1024;

export async function readBodyBytes(c: Context): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const declared = Number(c.req.header("content-length"));
  if (
    incoming === undefined ||
    c.req.header("transfer-encoding") !== undefined ||
    !Number.isSafeInteger(declared) ||
    declared <= DIRECT_READ_BYTES ||
    incoming.readableDidRead
  ) {
    return new Uint8Array(await c.req.arrayBuffer());
  }
  return new Promise((resolve, reject) => {
    const body = Buffer.allocUnsafe(declared);
    let filled = 0;
    const done = (error?: Error): void => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
      if (error) reject(error);
      else resolve(body.subarray(0, filled));
    };
    const onData = (chunk: Buffer): void => {
      // Node's parser never delivers more than Content-Length; keep the buffer's bound anyway.
      filled += chunk.copy(body, filled);
    };
    const onEnd = (): void => done();
    const onError = (error: Error): void => done(error);
    const onClose = (): void => {
      if (!incoming.readableEnded)
        done(new Error("the client closed the connection before sending the whole body"));
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
}
