// Shared fast-check arbitraries for adversarial input. Every property runs
// with a fixed seed and a bounded number of runs, so a run of the suite is
// the same every time and stays quick; change SEED to explore further.
import fc from 'fast-check'

export const SEED = 0x5eed

/** Run parameters: the fixed seed, `numRuns` random cases, and hand-picked `examples` first. */
export function settings<T> (numRuns: number, examples: T[] = []): fc.Parameters<T> {
  return { seed: SEED, numRuns, examples }
}

/** Characters that break parsers: controls, separators, odd whitespace, lone surrogates, non-ASCII. */
export const nasty = fc.constantFrom(
  '\u0000', '\r', '\n', '\r\n', '\t', ' ', '  ', '\u000b', '\u007f', '\u00a0', '\u2028', '\ufeff',
  '\ud800', '\udfff', 'é', '\u00ff', '☃', '😀', 'İ', 'ß', '%', '%00', '%zz', '%E2%98%83', '+', '/', '=', '==',
  ';', ',', '"', "'", '\\', '&', '<', '{', '}', '[', ']', ':', '$', '.', '__proto__', 'constructor'
)

/** A fragment of base64url, so values come near the shape of a token. */
const base64url = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/)

/** Short strings of anything, mixed with the characters above. */
export const text: fc.Arbitrary<string> = fc.array(
  fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), nasty, base64url),
  { maxLength: 10 }
).map((parts) => parts.join(''))

/** Long strings (1 to 100 thousand characters) of a repeated piece. */
export const huge: fc.Arbitrary<string> = fc.tuple(
  fc.oneof(nasty, fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }), base64url),
  fc.integer({ min: 1000, max: 100_000 })
).map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length))

/** Any string: mostly short, sometimes huge. */
export const anyString: fc.Arbitrary<string> = fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: huge })

/** Exactly the shape of a token (43 base64url characters), but not one that was issued. */
export const tokenShaped = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)

/**
 * Ways to alter a real token. The arbitraries describe the change rather
 * than hold the token, so a failing case never prints a live secret.
 */
export type Mutation =
  | { kind: 'exact' }
  | { kind: 'padded', before: string, after: string }
  | { kind: 'truncated', length: number }
  | { kind: 'extended', extra: string }
  | { kind: 'changed', at: number, to: string }
  | { kind: 'case' }
  | { kind: 'doubled', separator: string }
  | { kind: 'quoted' }
  | { kind: 'percent-encoded' }

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant({ kind: 'exact' as const }),
  fc.record({ kind: fc.constant('padded' as const), before: fc.constantFrom('', ' ', '\t', '  '), after: fc.constantFrom('', ' ', '\t', '  ') }),
  fc.record({ kind: fc.constant('truncated' as const), length: fc.integer({ min: 0, max: 42 }) }),
  fc.record({ kind: fc.constant('extended' as const), extra: fc.oneof(nasty, base64url) }),
  fc.record({ kind: fc.constant('changed' as const), at: fc.integer({ min: 0, max: 42 }), to: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]$/), nasty) }),
  fc.constant({ kind: 'case' as const }),
  fc.record({ kind: fc.constant('doubled' as const), separator: fc.constantFrom('', ' ', ',', ';') }),
  fc.constant({ kind: 'quoted' as const }),
  fc.constant({ kind: 'percent-encoded' as const })
)

export function mutate (token: string, change: Mutation): string {
  switch (change.kind) {
    case 'exact': return token
    case 'padded': return `${change.before}${token}${change.after}`
    case 'truncated': return token.slice(0, change.length)
    case 'extended': return token + change.extra
    case 'changed': return token.slice(0, change.at) + change.to + token.slice(change.at + 1)
    case 'case': return token === token.toUpperCase() ? token.toLowerCase() : token.toUpperCase()
    case 'doubled': return `${token}${change.separator}${token}`
    case 'quoted': return `"${token}"`
    case 'percent-encoded': return [...token].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('')
  }
}

/** A header value or a part of one: something random, a token-shaped stranger, or a real token altered. */
export type Credential =
  | { kind: 'random', value: string }
  | { kind: 'stranger', value: string }
  | { kind: 'real', change: Mutation }

export const credential: fc.Arbitrary<Credential> = fc.oneof(
  fc.record({ kind: fc.constant('random' as const), value: anyString }),
  fc.record({ kind: fc.constant('stranger' as const), value: tokenShaped }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('real' as const), change: mutation }) }
)

export function credentialValue (token: string, value: Credential): string {
  return value.kind === 'real' ? mutate(token, value.change) : value.value
}
