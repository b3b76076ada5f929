// A bound on how long an answer may take: a request still unanswered after it
// is hanging. The bound is far above any timeout under test; it tells a hang
// from an answer, it does not measure speed.
export const HANG_MS = 15_000

export function within<T> (work: Promise<T>, ms = HANG_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, hang]).finally(() => clearTimeout(timer))
}

/** Checks `condition` every 10 ms until it holds (true) or `ms` have passed (false). */
export async function until (condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!await condition()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return true
}
