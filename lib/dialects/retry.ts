/**
 * Runs `work` again when it fails with an error `isRetryable` accepts, up to
 * `attempts` times in all; the last failure is thrown as it is.
 */
export async function retry<T> (work: () => Promise<T>, isRetryable: (error: unknown) => boolean, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error
    }
  }
}
