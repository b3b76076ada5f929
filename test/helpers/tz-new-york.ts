// Imported first by expiry-tz.test.ts: imports are evaluated in order, so the
// zone is set before any other module (a driver, the plugin) runs.
process.env.TZ = 'America/New_York'
