import { Sandbox, FileNotFoundError, FilesystemEventType } from 'e2b'
import { main, observe } from './lib.mjs'

// sbx.files: read/write (text, bytes, streams), writeFiles, list (depth), makeDir, rename, remove,
// exists, getInfo and watchDir.
await main(async (out) => {
  const sbx = await Sandbox.create()
  try {
    out.write = await sbx.files.write('/home/user/hello.txt', 'hello world')
    out.readText = await sbx.files.read('/home/user/hello.txt')
    const bytes = await sbx.files.read('/home/user/hello.txt', { format: 'bytes' })
    out.readBytes = Array.from(bytes.slice(0, 5))
    const bin = new Uint8Array([0, 1, 2, 255, 254, 10])
    await sbx.files.write('bin.dat', bin)
    out.binRoundTrip = Array.from(await sbx.files.read('/home/user/bin.dat', { format: 'bytes' }))
    const big = 'x'.repeat(3 * 1024 * 1024)
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close() } })
    await sbx.files.write('/home/user/streamed.txt', stream)
    out.streamedSize = (await sbx.files.getInfo('/home/user/streamed.txt')).size
    const rs = await sbx.files.read('/home/user/hello.txt', { format: 'stream' })
    let streamed = ''
    for await (const chunk of rs) streamed += new TextDecoder().decode(chunk)
    out.readStream = streamed
    out.readBlob = await (await sbx.files.read('/home/user/hello.txt', { format: 'blob' })).text()
    out.emptyFile = await (async () => { await sbx.files.write('/home/user/empty', ''); return sbx.files.read('/home/user/empty') })()

    out.writeFiles = (await sbx.files.write([
      { path: '/home/user/batch/a.txt', data: 'A' },
      { path: '/home/user/batch/deep/b.txt', data: 'BB' },
    ])).map((e) => e.path).sort()
    out.batchRead = await sbx.files.read('/home/user/batch/deep/b.txt')

    out.list1 = (await sbx.files.list('/home/user/batch')).map((e) => ({ name: e.name, type: e.type, path: e.path, size: e.size }))
    out.list2 = (await sbx.files.list('/home/user/batch', { depth: 2 })).map((e) => e.path).sort()
    out.makeDir = await sbx.files.makeDir('/home/user/newdir/sub')
    out.makeDirAgain = await sbx.files.makeDir('/home/user/newdir/sub')
    out.exists = [await sbx.files.exists('/home/user/hello.txt'), await sbx.files.exists('/home/user/nope')]
    const info = await sbx.files.getInfo('/home/user/hello.txt')
    out.info = { name: info.name, type: info.type, path: info.path, size: info.size, mode: info.mode, permissions: info.permissions, modified: info.modifiedTime instanceof Date }
    out.dirInfo = (await sbx.files.getInfo('/home/user/newdir')).type
    out.rename = (await sbx.files.rename('/home/user/hello.txt', '/home/user/renamed.txt')).path
    out.renamedRead = await sbx.files.read('/home/user/renamed.txt')
    out.oldGone = await sbx.files.exists('/home/user/hello.txt')
    await sbx.files.remove('/home/user/batch')
    out.removed = await sbx.files.exists('/home/user/batch')

    out.missingRead = await observe(() => sbx.files.read('/home/user/missing.txt'))
    out.missingReadType = await sbx.files.read('/home/user/missing.txt').catch((e) => e instanceof FileNotFoundError)
    out.missingInfo = await observe(() => sbx.files.getInfo('/home/user/missing.txt'))
    out.missingList = await observe(() => sbx.files.list('/home/user/missing'))
    out.relativeSeenByCommand = (await sbx.commands.run('cat /home/user/bin.dat | wc -c')).stdout.trim()

    // watchDir: events for a create, a write and a remove made by a command
    await sbx.files.makeDir('/home/user/watched')
    const events = []
    const handle = await sbx.files.watchDir('/home/user/watched', (e) => events.push({ name: e.name, type: e.type }))
    await sbx.commands.run('echo 1 > /home/user/watched/f.txt')
    await waitFor(() => events.some((e) => e.type === FilesystemEventType.CREATE))
    await sbx.commands.run('echo 22 >> /home/user/watched/f.txt')
    await waitFor(() => events.some((e) => e.type === FilesystemEventType.WRITE))
    await sbx.commands.run('rm /home/user/watched/f.txt')
    await waitFor(() => events.some((e) => e.type === FilesystemEventType.REMOVE))
    await handle.stop()
    out.watchEvents = events
  } finally {
    out.kill = await sbx.kill()
  }
})

async function waitFor(cond) {
  const deadline = Date.now() + 10_000
  while (!cond()) {
    if (Date.now() > deadline) return
    await new Promise((r) => setTimeout(r, 50))
  }
}
