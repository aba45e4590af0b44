// @e2b/code-interpreter's runCode and code contexts, unmodified, against agentbox's E2B API.
import { Sandbox } from '@e2b/code-interpreter'
import { main, observe } from './lib.mjs'

await main(async (out) => {
  const sbx = await Sandbox.create({ timeoutMs: 120_000 })
  try {
    const stdout = []
    const first = await sbx.runCode('x = 6 * 7\nprint("hello from the kernel")\nx', { onStdout: (m) => stdout.push(m.line) })
    out.first = { text: first.text, stdout: first.logs.stdout, streamed: stdout, count: first.executionCount, error: first.error ?? null }
    // state survives between calls: the same kernel
    out.state = (await sbx.runCode('x + 1')).text
    const err = await sbx.runCode('raise ValueError("bad input")')
    out.error = { name: err.error?.name, value: err.error?.value, hasTraceback: (err.error?.traceback ?? '').includes('ValueError') }
    out.env = (await sbx.runCode('import os; os.environ.get("GREETING")', { envs: { GREETING: 'hi there' } })).text
    out.envAfter = (await sbx.runCode('import os; repr(os.environ.get("GREETING"))')).text
    const seen = []
    const display = await sbx.runCode('from IPython.display import display, HTML\ndisplay(HTML("<b>bold</b>"))\n"done"', { onResult: (r) => seen.push(r.isMainResult) })
    out.display = display.results.map((r) => ({ main: r.isMainResult, html: r.html ?? null, text: r.text ?? null }))
    out.onResult = seen
    // a client that gives up gets its cell interrupted: the next cell does not wait behind a 10-minute sleep
    const t0 = Date.now()
    out.slow = await observe(() => sbx.runCode('import time\ntime.sleep(600)', { timeoutMs: 1500 }))
    out.afterSlow = (await sbx.runCode('"next"', { timeoutMs: 120_000 })).text
    out.afterSlowMs = Date.now() - t0
    // the kernel is a process of the sandbox, as the sandbox user
    out.whoami = (await sbx.runCode('import getpass, os; f"{getpass.getuser()} {os.getcwd()}"')).text
    out.file = (await sbx.runCode('open("/home/user/from-kernel.txt", "w").write("kernel"); "ok"')).text
    out.fileSeenByCommands = (await sbx.commands.run('cat /home/user/from-kernel.txt')).stdout

    const ctx = await sbx.createCodeContext({ cwd: '/tmp' })
    out.ctx = { language: ctx.language, cwd: ctx.cwd, hasId: typeof ctx.id === 'string' }
    out.ctxIsolated = (await sbx.runCode('import os; f"{os.getcwd()} {\'x\' in globals()}"', { context: ctx })).text
    out.listed = (await sbx.listCodeContexts()).some((c) => c.id === ctx.id)
    await sbx.runCode('y = 1', { context: ctx })
    await sbx.restartCodeContext(ctx)
    out.afterRestart = (await sbx.runCode('"y" in globals()', { context: ctx })).text
    await sbx.removeCodeContext(ctx)
    out.removed = await observe(() => sbx.runCode('1', { context: ctx }))
    out.badLanguage = await observe(() => sbx.runCode('1', { language: 'r' }))
  } finally {
    await sbx.kill()
  }
  out.afterKill = await observe(() => sbx.runCode('1'))
})
