/**
 * Waiting for something a real endpoint does in its own time (an RTCP report, a NOTIFY, a
 * registration). Tests poll for the outcome instead of sleeping a fixed time and hoping: a
 * loaded CI machine makes fixed sleeps flaky, while a deadline only matters when the outcome
 * never comes.
 */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
