import { Sandbox, AuthenticationError, NotFoundError, SandboxNotFoundError } from 'e2b'
import { main, observe, errorInfo } from './lib.mjs'

// Lifecycle through the SDK: create (template, timeout, metadata, envs), getInfo, isRunning, setTimeout,
// connect, list (metadata filter, paging) and kill, on an instance and statically by id.
await main(async (out) => {
  const tag = `t${Date.now()}`
  const a = await Sandbox.create('base', { metadata: { suite: tag, name: 'a b' }, envs: { X: '1' }, timeoutMs: 90_000 })
  const b = await Sandbox.create({ metadata: { suite: tag, name: 'b' } })
  const c = await Sandbox.create({ metadata: { suite: tag, name: 'c' } })
  out.ids = [a.sandboxId, b.sandboxId, c.sandboxId]
  const info = await a.getInfo()
  out.info = { sandboxId: info.sandboxId, templateId: info.templateId, metadata: info.metadata, state: info.state,
    startedAt: info.startedAt, endAt: info.endAt, cpuCount: info.cpuCount, memoryMB: info.memoryMB }
  out.staticInfo = (await Sandbox.getInfo(b.sandboxId)).metadata
  out.running = await a.isRunning()
  await a.setTimeout(600_000)
  out.endAfterSetTimeout = (await a.getInfo()).endAt

  const again = await Sandbox.connect(a.sandboxId)
  out.connectedEnv = (await again.commands.run('echo $X')).stdout
  out.connectedSame = again.sandboxId === a.sandboxId

  const filtered = await Sandbox.list({ query: { metadata: { suite: tag, name: 'a b' } } }).nextItems()
  out.filtered = filtered.map((s) => s.sandboxId)
  const paginator = Sandbox.list({ query: { metadata: { suite: tag } }, limit: 2 })
  const pages = []
  while (paginator.hasNext) pages.push((await paginator.nextItems()).map((s) => s.sandboxId))
  out.pages = pages
  out.listed = (await Sandbox.list({ query: { metadata: { suite: tag } } }).nextItems())[0]

  out.killInstance = await b.kill()
  out.killStatic = await Sandbox.kill(c.sandboxId)
  out.killAgain = await Sandbox.kill(c.sandboxId)
  out.runningAfterKill = await b.isRunning()
  out.connectKilled = await observe(() => Sandbox.connect(b.sandboxId))
  out.infoKilled = await observe(() => Sandbox.getInfo(b.sandboxId))
  out.commandOnKilled = await observe(() => b.commands.run('true'))
  out.afterKill = (await Sandbox.list({ query: { metadata: { suite: tag } } }).nextItems()).map((s) => s.sandboxId)
  out.killA = await a.kill()

  out.unknownTemplate = await observe(() => Sandbox.create('no-such-template'))
})
