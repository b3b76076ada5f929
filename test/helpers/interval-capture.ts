// Takes the callback the plugin gives setInterval at registration, so a test
// runs the prune timer's tick itself instead of waiting for it.
export async function captureInterval<T> (ms: number, register: () => Promise<T>): Promise<{ tick: (() => void) | null, registered: T }> {
  const realSetInterval = globalThis.setInterval
  let tick: (() => void) | null = null
  globalThis.setInterval = ((callback: () => void, delay: number) => {
    if (delay === ms) tick = callback
    return realSetInterval(callback, delay)
  }) as typeof setInterval
  try {
    return { registered: await register(), tick }
  } finally {
    globalThis.setInterval = realSetInterval
  }
}
