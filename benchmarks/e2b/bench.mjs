// Sandbox.create + commands.run('true') + kill through the official E2B SDK, N times in a row.
// Prints {"ms": [...]} (each iteration's wall time; node's own start-up is not counted).
// The SDK is the one pinned in test-deps/e2b (E2B_SDK points at its entry file).
const { Sandbox } = await import(process.env.E2B_SDK ?? 'e2b')

const n = Number(process.argv[2] ?? 20)
const ms = []
for (let i = 0; i < n + 2; i++) {
  const t0 = performance.now()
  const sbx = await Sandbox.create()
  await sbx.commands.run('true')
  await sbx.kill()
  // the first two warm up node's HTTP agent and the server's JIT; they are not counted
  if (i >= 2) ms.push(performance.now() - t0)
}
process.stdout.write(JSON.stringify({ ms }) + '\n')
