// Shared helpers of the E2B compatibility scripts: each script drives the official SDK against
// E2B_API_URL / E2B_SANDBOX_URL / E2B_API_KEY from the environment and prints one JSON object of what
// it observed, which the Java test asserts on.
export function errorInfo(e) {
  return { name: e?.constructor?.name ?? typeof e, message: String(e?.message ?? e) }
}

export async function observe(fn) {
  try {
    return { ok: true, value: await fn() }
  } catch (e) {
    return { ok: false, error: errorInfo(e) }
  }
}

export async function main(fn) {
  const out = {}
  try {
    await fn(out)
  } catch (e) {
    out.fatal = errorInfo(e)
    out.fatalStack = String(e?.stack ?? '')
  }
  process.stdout.write(JSON.stringify(out) + '\n')
  process.exit(0)
}
