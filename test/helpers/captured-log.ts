// A Fastify logger that keeps every line, to look at what was logged.

/** A line of Fastify's (pino's) JSON log. */
export interface LogLine {
  level: number
  msg?: string
  err?: { code?: string, type?: string, message?: string, stack?: string }
  [field: string]: any
}

export interface CapturedLog {
  /** Every line, as written (JSON, with its newline). */
  lines: string[]
  /** The lines, parsed. */
  parsed(): LogLine[]
  /** Fastify's `logger` option: lines at `level` and above go to `lines`. */
  logger: { level: string, stream: { write(line: string): void } }
}

export function capturedLog (level = 'trace'): CapturedLog {
  const lines: string[] = []
  return {
    lines,
    parsed: () => lines.map((line) => JSON.parse(line)),
    logger: { level, stream: { write: (line) => { lines.push(line) } } }
  }
}
