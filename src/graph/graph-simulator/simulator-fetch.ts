/**
 * A `fetch` that trusts exactly one CA (the simulator's certificate) without touching the
 * process-wide trust store (`NODE_EXTRA_CA_CERTS` is read only at Node start, so the demo could
 * not use it). Node 20's global fetch cannot take a CA without the `undici` package; this one goes
 * through `node:https` and returns a standard `Response`.
 * @module
 */
import { Agent, request as httpsRequest } from "node:https";

/** A `fetch`-compatible function. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Create a `fetch` that trusts `caCertPem` (and only it) for HTTPS, with keep-alive connections.
 * A connection reset rejects with a `TypeError("fetch failed", { cause })`, as global fetch does.
 * @param caCertPem - e.g. `GraphSimulator.caCertPem`
 */
export function createCaFetch(caCertPem: string): FetchFunction {
  const agent = new Agent({ ca: caCertPem, keepAlive: true });
  return async (input, init = {}) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request?.url ?? String(input));
    const method = (init.method ?? request?.method ?? "GET").toUpperCase();
    const headers = new Headers(request?.headers);
    for (const [key, value] of new Headers(init.headers)) headers.set(key, value);
    let body: Buffer | undefined;
    if (init.body !== undefined && init.body !== null) {
      body = Buffer.from(await new Response(init.body).arrayBuffer());
    } else if (request !== undefined && method !== "GET" && method !== "HEAD") {
      body = Buffer.from(await request.arrayBuffer());
    }
    const signal = init.signal ?? request?.signal;
    signal?.throwIfAborted();
    return await new Promise<Response>((resolve, reject) => {
      const outgoing = httpsRequest(
        url,
        { method, agent, headers: Object.fromEntries(headers), ...(signal ? { signal } : {}) },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("error", (error) => reject(new TypeError("fetch failed", { cause: error })));
          incoming.on("end", () => {
            const responseHeaders = new Headers();
            for (const [key, value] of Object.entries(incoming.headers)) {
              for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
                responseHeaders.append(key, one);
              }
            }
            const status = incoming.statusCode ?? 500;
            const hasBody = status !== 204 && status !== 304 && method !== "HEAD";
            resolve(
              new Response(hasBody ? Buffer.concat(chunks) : null, {
                status,
                statusText: incoming.statusMessage ?? "",
                headers: responseHeaders,
              }),
            );
          });
        },
      );
      outgoing.on("error", (error) => reject(new TypeError("fetch failed", { cause: error })));
      outgoing.end(body);
    });
  };
}
