// Small numeric helpers shared by the runner and the scale measurements.

export function median (values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b)
  if (sorted.length === 0) return null
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** The p-th percentile (0..100) of a list of numbers, nearest rank. */
export function percentile (values, p) {
  if (values.length === 0) return null
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

export function ratio (a, b) {
  return a === null || b === null || b === 0 ? null : a / b
}

export function round (value, digits = 0) {
  if (value === null || value === undefined) return null
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}
