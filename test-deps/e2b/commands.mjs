import { Sandbox, CommandExitError, TimeoutError } from 'e2b'
import { main, observe, errorInfo } from './lib.mjs'

await main(async (out) => {
  const sbx = await Sandbox.create({ envs: { SBX_ENV: 'from-create' }, timeoutMs: 120_000 })
  out.sandboxId = sbx.sandboxId
  try {
    const chunks = { stdout: [], stderr: [] }
    const r = await sbx.commands.run('echo hi; echo $FOO $SBX_ENV; pwd; echo err >&2', {
      envs: { FOO: 'bar' },
      onStdout: (d) => chunks.stdout.push(d),
      onStderr: (d) => chunks.stderr.push(d),
    })
    out.run = { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, error: r.error ?? null, chunks }

    await sbx.files.makeDir('/home/user/sub')
    out.cwd = (await sbx.commands.run('pwd', { cwd: '/home/user/sub' })).stdout
    out.root = (await sbx.commands.run('id -u; whoami', { user: 'root' })).stdout
    out.user = (await sbx.commands.run('id -un')).stdout

    out.exit3 = await observe(() => sbx.commands.run('echo partial; echo bad >&2; exit 3'))
    try {
      await sbx.commands.run('echo partial; echo bad >&2; exit 3')
    } catch (e) {
      out.exit3Detail = { isCommandExitError: e instanceof CommandExitError, exitCode: e.exitCode, stdout: e.stdout, stderr: e.stderr, error: e.error }
    }

    const t0 = Date.now()
    try {
      await sbx.commands.run('sleep 30', { timeoutMs: 1500 })
      out.timeout = { thrown: false }
    } catch (e) {
      out.timeout = { thrown: true, isTimeoutError: e instanceof TimeoutError, ...errorInfo(e), ms: Date.now() - t0 }
    }
    // the timed-out command was killed in the sandbox too
    for (let i = 0; i < 50; i++) {
      out.afterTimeout = (await sbx.commands.run('pgrep -x sleep | wc -l')).stdout.trim()
      if (out.afterTimeout === '0') break
      await new Promise((r) => setTimeout(r, 100))
    }

    const bg = await sbx.commands.run('sleep 30', { background: true })
    out.bgPid = bg.pid
    out.listed = (await sbx.commands.list()).map((p) => ({ pid: p.pid, cmd: p.cmd, args: p.args }))
    out.killed = await bg.kill()
    try {
      await bg.wait()
      out.bgWait = { thrown: false }
    } catch (e) {
      out.bgWait = { thrown: true, isCommandExitError: e instanceof CommandExitError, exitCode: e.exitCode, error: e.error }
    }
    out.killAgain = await sbx.commands.kill(bg.pid)

    const cat = await sbx.commands.run('cat', { background: true, stdin: true })
    await sbx.commands.sendStdin(cat.pid, 'piped\n')
    await sbx.commands.sendStdin(cat.pid, 'twice\n')
    await sbx.commands.closeStdin(cat.pid)
    const catResult = await cat.wait()
    out.stdin = catResult.stdout

    // connect(pid): a second handle on a running background command sees its later output
    const slow = await sbx.commands.run('read x; echo got $x', { background: true, stdin: true })
    await slow.disconnect()
    const seen = []
    const again = await sbx.commands.connect(slow.pid, { onStdout: (d) => seen.push(d) })
    await sbx.commands.sendStdin(slow.pid, 'late\n')
    const res = await again.wait()
    out.connect = { stdout: res.stdout, seen: seen.join('') }

    const streamed = []
    const h = await sbx.commands.run('for i in 1 2 3; do echo line$i; sleep 0.2; done', {
      background: true,
      onStdout: (d) => streamed.push({ d, t: Date.now() }),
    })
    await h.wait()
    out.streamed = streamed.map((s) => s.d).join('')
    out.streamedChunks = streamed.length

    out.noCwd = await observe(() => sbx.commands.run('pwd', { cwd: '/no/such/dir' }))
  } finally {
    out.kill = await sbx.kill()
  }
})
