import { Sandbox } from 'e2b'
import { main, observe } from './lib.mjs'

// Wrong keys, and another tenant's sandbox (argv[2], a sandbox id of another workspace).
await main(async (out) => {
  const [otherId] = process.argv.slice(2)
  out.badKeyCreate = await observe(() => Sandbox.create({ apiKey: 'agb_key_wrong' }))
  out.badKeyList = await observe(() => Sandbox.list({ apiKey: 'not-a-key' }).nextItems())
  out.otherInfo = await observe(() => Sandbox.getInfo(otherId))
  out.otherConnect = await observe(() => Sandbox.connect(otherId))
  out.otherKill = await observe(() => Sandbox.kill(otherId))
  out.otherListed = (await Sandbox.list().nextItems()).some((s) => s.sandboxId === otherId)

  // envd: commands with a forged access token, and with none
  const mine = await Sandbox.create()
  try {
    out.mineWorks = (await mine.commands.run('echo ok')).stdout
    mine.envdAccessToken = 'ea_' + 'A'.repeat(43)
    out.forgedToken = await observe(() => mine.commands.run('echo no'))
    mine.envdAccessToken = undefined
    out.noToken = await observe(() => mine.commands.list())
  } finally {
    out.kill = await Sandbox.kill(mine.sandboxId)
  }
})
