/**
 * A property of a driver object seen through a Proxy of the plugin's: its
 * methods bound to the object itself, so that they run on it, not on the
 * proxy (pg and mysql2 keep private state on their objects).
 */
export function forwarded (object: object, key: string | symbol): unknown {
  const value: unknown = Reflect.get(object, key)
  return typeof value === 'function' ? value.bind(object) : value
}
