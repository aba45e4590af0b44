import { Sandbox } from 'e2b'
import { main, observe } from './lib.mjs'

// A sandbox killed while a command streams its output, and a rate-limited key (argv[2] = "ratelimit").
await main(async (out) => {
  if (process.argv[2] === 'ratelimit') {
    const results = []
    for (let i = 0; i < 5; i++) results.push(await observe(() => Sandbox.list().nextItems()))
    out.rateLimited = results.map((r) => (r.ok ? 'ok' : r.error.name))
    out.lastError = results[results.length - 1].error ?? null
    return
  }
  const sbx = await Sandbox.create()
  const seen = []
  const running = observe(() => sbx.commands.run('echo started; sleep 60', { onStdout: (d) => seen.push(d), timeoutMs: 0 }))
  const deadline = Date.now() + 10_000
  while (!seen.join('').includes('started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  const t0 = Date.now()
  out.killed = await Sandbox.kill(sbx.sandboxId)
  out.result = await running
  out.msToFail = Date.now() - t0
  out.seen = seen.join('')
  out.isRunning = await sbx.isRunning()
})
