/**
 * Runs `work` again when it fails with an error `isRetryable` accepts, up to
 * `attempts` times in all; the last failure is thrown as it is.
 */
export async function retry<T> (work: () => Promise<T>, isRetryable: (error: unknown) => boolean, attempts: number): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (attempts <= 1 || !isRetryable(error)) throw error
    return retry(work, isRetryable, attempts - 1)
  }
}
