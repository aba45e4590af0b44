// One run: its conversation (text, thinking, tool calls and results) streaming live, cost, cancel,
// permission answers and artifacts.
import { useEffect, useReducer, useState } from 'preact/hooks';
import { api, followRun, TERMINAL } from './api.js';
import { html, Status, usd, num, when, ms, bytes, ErrorBox } from './ui.js';

const empty = { events: [], blocks: [], usage: null, cost: null, ended: null };

/** Folds one event into the page's state: deltas grow the open text or thinking block. */
function reduce(s, ev) {
  const blocks = s.blocks.slice();
  const last = blocks[blocks.length - 1];
  const d = ev.data || {};
  const grow = (kind, text) => {
    if (last && last.kind === kind && !last.done) blocks[blocks.length - 1] = { ...last, text: last.text + text };
    else blocks.push({ kind, text, done: false, seq: ev.seq });
  };
  const close = (kind, text) => {
    if (last && last.kind === kind && !last.done) blocks[blocks.length - 1] = { ...last, text, done: true };
    else blocks.push({ kind, text, done: true, seq: ev.seq });
  };
  const tool = (id, patch) => {
    const i = blocks.findIndex((b) => b.kind === 'tool' && b.id === id);
    if (i >= 0) blocks[i] = { ...blocks[i], ...patch };
    return i >= 0;
  };
  let { usage, cost, ended } = s;
  switch (ev.type) {
    case 'text.delta': grow('text', d.text || ''); break;
    case 'text': close('text', d.text || ''); break;
    case 'thinking.delta': grow('thinking', d.thinking || ''); break;
    case 'thinking': close('thinking', d.thinking || ''); break;
    case 'tool.call': blocks.push({ kind: 'tool', id: d.id, name: d.name, input: d.input, seq: ev.seq }); break;
    case 'tool.result': tool(d.id, { result: d, permission: undefined }); break;
    case 'permission.request':
      if (!tool(d.id, { permission: 'asked' })) blocks.push({ kind: 'tool', id: d.id, name: d.name, input: d.input, permission: 'asked', seq: ev.seq });
      break;
    case 'usage': cost = { total: (cost?.total || 0) + Number(d.cost || 0) }; break;
    case 'run.failed': blocks.push({ kind: 'error', text: `${d.category}: ${d.message}`, seq: ev.seq }); break;
    case 'run.canceled': blocks.push({ kind: 'note', text: 'Canceled: ' + (d.reason || ''), seq: ev.seq }); break;
    case 'retry': blocks.push({ kind: 'note', text: `Retrying the model call (${d.attempt}/${d.maxRetries}): ${d.message}`, seq: ev.seq }); break;
    case 'network.denied': blocks.push({ kind: 'note', text: `Network denied: ${d.host || d.ip}:${d.port} (${d.reason})`, seq: ev.seq }); break;
    default: break;
  }
  if (TERMINAL.has(ev.type)) {
    ended = ev.type;
    if (d.usage) usage = d.usage;
    if (d.cost) cost = d.cost;
    blocks.forEach((b, i) => { if (b.permission === 'asked') blocks[i] = { ...b, permission: 'expired' }; });
  }
  return { events: [...s.events, ev], blocks, usage, cost, ended };
}

export function RunPage({ id, ctx }) {
  const [run, setRun] = useState(null);
  const [error, setError] = useState(null);
  const [state, dispatch] = useReducer((s, a) => (a === 'reset' ? empty : reduce(s, a)), empty);
  const [stream, setStream] = useState({ state: 'connecting', reconnects: 0 });
  const [actionError, setActionError] = useState(null);
  const load = () => api('/v1/runs/' + encodeURIComponent(id)).then(setRun).catch(setError);
  useEffect(() => { load(); }, [id]);
  useEffect(() => followRun(id, { onEvent: dispatch, onState: setStream }), [id]);
  useEffect(() => { if (state.ended) load(); }, [state.ended]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (!run) return html`<p>Loading run…</p>`;
  const status = state.ended ? run.status : run.status === 'queued' && state.events.length ? 'running' : run.status;
  const mayAct = ctx.canWrite && (ctx.isAdmin || run.createdBy === ctx.me.principalId);
  const live = !state.ended && !['succeeded', 'failed', 'canceled'].includes(run.status);
  const cancel = async () => {
    setActionError(null);
    try { setRun(await api(`/v1/runs/${id}/cancel`, { method: 'POST', body: { reason: 'canceled from the console' } })); } catch (e) { setActionError(e); }
  };
  const answer = async (toolUseId, decision, message) => {
    setActionError(null);
    try {
      await api(`/v1/runs/${id}/permissions/${encodeURIComponent(toolUseId)}`, { method: 'POST', body: message ? { decision, message } : { decision } });
      return true;
    } catch (e) { setActionError(e); return false; }
  };
  const cost = run.cost || state.cost;
  const usage = run.usage || state.usage;
  return html`<article class="run" aria-labelledby="run-title" data-run=${id}>
    <div class="page-head">
      <h1 id="run-title"><span class="mono">${id}</span> <${Status} status=${status} /></h1>
      ${mayAct && live ? html`<button class="danger" id="cancel-run" onClick=${cancel}>Cancel run</button>` : null}
    </div>
    <${ErrorBox} error=${actionError} />
    <dl class="facts">
      <div><dt>Model</dt><dd>${run.model || 'default'}</dd></div>
      <div><dt>Template</dt><dd>${run.template}</dd></div>
      <div><dt>Created</dt><dd>${when(run.createdAt)}</dd></div>
      <div><dt>Duration</dt><dd>${ms(run.durationMs)}</dd></div>
      <div><dt>Turns</dt><dd>${run.turns ?? '—'}</dd></div>
      <div><dt>Cost</dt><dd id="run-cost">${usd(cost?.total)}</dd></div>
      <div><dt>Tokens in / out</dt><dd>${usage ? num(usage.inputTokens ?? usage.input) + ' / ' + num(usage.outputTokens ?? usage.output) : '—'}</dd></div>
      ${run.sessionId ? html`<div><dt>Session</dt><dd><a href=${'#/start?session=' + run.sessionId} class="mono" id="continue-session">${run.sessionId}</a></dd></div>` : null}
    </dl>
    <p class="prompt-box"><strong>Prompt</strong> ${run.prompt}</p>
    <p class="stream" role="status" data-stream=${stream.state} data-reconnects=${stream.reconnects}>
      ${stream.state === 'live' ? 'Live' : stream.state === 'reconnecting' ? 'Reconnecting…' : stream.state === 'ended' ? 'Finished' : stream.state === 'closed' ? 'Stream closed: ' + (stream.error || '') : 'Connecting…'}
      ${stream.reconnects ? ` (reconnected ${stream.reconnects}×)` : ''}
    </p>
    <ol class="conversation" aria-live="polite" aria-label="Conversation">
      ${state.blocks.map((b) => html`<${Block} block=${b} mayAct=${mayAct && live} answer=${answer} />`)}
    </ol>
    ${run.result ? html`<section class="result"><h2>Result</h2><pre id="run-result">${run.result}</pre></section>` : null}
    ${run.error ? html`<div class="error" role="alert">${run.error.category}: ${run.error.message}</div>` : null}
    ${state.ended || !live ? html`<${Artifacts} runId=${id} ctx=${ctx} />` : null}
    <details class="event-log"><summary>Event log (${state.events.length})</summary>
      <ol>${state.events.map((e) => html`<li data-seq=${e.seq}><span class="mono">${e.seq}</span> ${e.type}</li>`)}</ol>
    </details>
  </article>`;
}

function Block({ block: b, mayAct, answer }) {
  if (b.kind === 'text') return html`<li class="b-text" data-kind="text">${b.text}</li>`;
  if (b.kind === 'thinking') return html`<li class="b-thinking" data-kind="thinking"><details open=${!b.done}><summary>Thinking</summary><p>${b.text}</p></details></li>`;
  if (b.kind === 'error') return html`<li class="b-error" data-kind="error">${b.text}</li>`;
  if (b.kind === 'note') return html`<li class="b-note" data-kind="note">${b.text}</li>`;
  const input = b.name === 'Bash' && b.input?.command ? b.input.command : JSON.stringify(b.input, null, 2);
  return html`<li class="b-tool" data-kind="tool" data-tool-id=${b.id}>
    <div class="tool-head"><span class="tool-name">${b.name}</span>${b.result ? html` <span class=${b.result.isError ? 'badge s-failed' : 'badge s-succeeded'}>${b.result.isError ? 'error' : 'ok'} · ${ms(b.result.durationMs)}</span>` : null}</div>
    <pre class="tool-input">${input}</pre>
    ${b.permission === 'asked' ? html`<${Ask} id=${b.id} name=${b.name} mayAct=${mayAct} answer=${answer} />` : null}
    ${b.permission === 'expired' ? html`<p class="note">The run ended before this was answered.</p>` : null}
    ${b.result ? html`<details class="tool-output" open=${(b.result.output || '').length < 400}><summary>Output</summary><pre>${b.result.output}</pre></details>` : null}
  </li>`;
}

function Ask({ id, name, mayAct, answer }) {
  const [message, setMessage] = useState('');
  const [sent, setSent] = useState(null);
  if (sent) return html`<p class="permission done" role="status">You answered: ${sent}. Waiting for the tool…</p>`;
  const send = async (d) => { if (await answer(id, d, d === 'deny' ? message.trim() : '')) setSent(d === 'allow' ? 'allowed' : 'denied'); };
  return html`<div class="permission" role="group" aria-label=${'Permission for ' + name}>
    <p><strong>The agent asks to run ${name}.</strong>${mayAct ? '' : ' Its creator or a workspace admin may answer.'}</p>
    ${mayAct ? html`<div class="row">
      <button class="primary" data-permission="allow" onClick=${() => send('allow')}>Allow</button>
      <label class="sr-only" for=${'deny-msg-' + id}>Reason for denying</label>
      <input id=${'deny-msg-' + id} placeholder="Why not (optional)" value=${message} maxlength="2000" onInput=${(e) => setMessage(e.target.value)} />
      <button class="danger" data-permission="deny" onClick=${() => send('deny')}>Deny</button>
    </div>` : null}
  </div>`;
}

function Artifacts({ runId, ctx }) {
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const load = () => api(`/v1/runs/${runId}/artifacts`).then(setList).catch(setError);
  useEffect(() => { load(); }, [runId]);
  const fetchBlob = async (a) => (await api(`/v1/runs/${runId}/artifacts/${a.id}`, { raw: true })).blob();
  const download = async (a) => {
    try {
      const url = URL.createObjectURL(await fetchBlob(a));
      const link = document.createElement('a');
      link.href = url;
      link.download = a.path.split('/').pop();
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) { setError(e); }
  };
  const view = async (a) => {
    if (open && open.id === a.id) { setOpen(null); return; }
    try {
      const blob = await fetchBlob(a);
      const text = a.size > 262144 ? null : await blob.text();
      setOpen({ id: a.id, text: text !== null && !text.includes('\u0000') ? text : null });
    } catch (e) { setError(e); }
  };
  const review = async (a, state) => {
    try { await api(`/v1/runs/${runId}/artifacts/${a.id}/review`, { method: 'POST', body: { state } }); load(); } catch (e) { setError(e); }
  };
  if (!list) return error ? html`<${ErrorBox} error=${error} />` : null;
  return html`<section class="artifacts" aria-labelledby="artifacts-title">
    <h2 id="artifacts-title">Artifacts</h2>
    <${ErrorBox} error=${error} />
    ${list.data.length === 0 ? html`<p class="empty">This run produced no files.</p>` : html`<ul>
      ${list.data.map((a) => html`<li data-artifact=${a.path}>
        <div class="row"><span class="mono path">${a.path}</span> <span>${bytes(a.size)}</span> <span class=${'badge r-' + a.reviewState}>${a.reviewState}</span>
          <button onClick=${() => view(a)} aria-expanded=${open?.id === a.id ? 'true' : 'false'}>Review</button>
          <button onClick=${() => download(a)} data-download=${a.path}>Download</button>
          ${ctx.isAdmin ? html`<button onClick=${() => review(a, 'approved')} data-approve=${a.path}>Approve</button>
            <button onClick=${() => review(a, 'rejected')}>Reject</button>` : null}
        </div>
        ${open?.id === a.id ? html`<pre class="artifact-view">${open.text ?? 'Binary or large file: download it to look at it.'}</pre>` : null}
      </li>`)}
    </ul>`}
    ${list.skipped?.length ? html`<p>Not captured: ${list.skipped.map((k) => `${k.path} (${k.reason})`).join(', ')}</p>` : null}
  </section>`;
}
