import { describe, expect, test } from "vitest";
import { EventStreamParser, type ServerEvent } from "./api-client.js";

describe("EventStreamParser", () => {
  test("dispatches events on blank lines across chunk boundaries, CRLF included, skipping comments", () => {
    const events: ServerEvent[] = [];
    const parser = new EventStreamParser((event) => events.push(event));
    for (const chunk of [
      "event: ready\r",
      "\ndata: {}\r\nretry: 3000\r\n\r\n",
      ": keep-alive\n\n",
      "id: 7\nevent: run\n",
    ]) {
      parser.push(chunk);
    }
    parser.push('data: {"runId":"a",\ndata:"v":1}\n');
    expect(events).toEqual([{ event: "ready", data: "{}" }]);
    parser.push("\n");
    expect(events[1]).toEqual({ event: "run", data: '{"runId":"a",\n"v":1}', id: "7" });
    parser.push("data: plain\n\n");
    expect(events[2]).toEqual({ event: "message", data: "plain", id: "7" }); // the last id stays
  });
});
