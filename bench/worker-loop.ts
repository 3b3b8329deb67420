/**
 * The bench workers' protocol: one JSON request per stdin line, one JSON answer per stdout line, a
 * failure answered as `{ok: false, error}`; the `exit` request is answered, then the worker exits.
 */
import { createInterface } from 'node:readline';

export async function serveRequests<R extends { op: string }>(handle: (req: R) => Promise<unknown>): Promise<never> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    const req = JSON.parse(line) as R;
    const answer = await handle(req).catch((err: unknown) => ({
      ok: false,
      error: err instanceof Error ? err.message : String(err),
    }));
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    if (req.op === 'exit') break;
  }
  process.exit(0);
}
