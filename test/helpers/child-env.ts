// The environment of a child process that runs TypeScript with a loader of
// its own (tsx, drizzle-kit): without tap's loader options, and without tap's
// coverage of it, since code compiled by another loader maps to other line
// numbers and would not merge with the test's own coverage.
export function childEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
  delete env.NODE_OPTIONS
  delete env.NODE_V8_COVERAGE
  return env
}
