// Start a run, or the next turn of a session: prompt, model, template, network policy, limits.
import { useEffect, useState } from 'preact/hooks';
import { api, q } from './api.js';
import { html, Field, described, ErrorBox, go } from './ui.js';

const MODES = ['bypassPermissions', 'default', 'acceptEdits', 'plan'];
const TIMEOUT = /^\d+(ms|s|m|h)$/;

/** Client-side checks, so that obvious mistakes are named before anything is sent. */
function check(f) {
  const e = {};
  if (!f.prompt.trim()) e.prompt = 'Write what the agent should do.';
  if (f.maxTurns && !(Number.isInteger(Number(f.maxTurns)) && Number(f.maxTurns) >= 1 && Number(f.maxTurns) <= 1000)) e.maxTurns = 'A whole number from 1 to 1000.';
  if (f.maxBudgetUsd && !(Number(f.maxBudgetUsd) > 0)) e.maxBudgetUsd = 'An amount in USD greater than 0.';
  if (f.timeout && !TIMEOUT.test(f.timeout.trim())) e.timeout = 'A duration such as 90s, 10m or 1h.';
  return e;
}

// the server names a field ('options.maxTurns', 'prompt'): show its message under that input
const FIELD_OF = { prompt: 'prompt', model: 'model', template: 'template', 'options.maxTurns': 'maxTurns',
  'options.maxBudgetUsd': 'maxBudgetUsd', 'options.timeout': 'timeout', 'options.network': 'network', 'options.permissionMode': 'permissionMode' };

export function StartPage({ ctx }) {
  const preset = new URLSearchParams(location.hash.split('?')[1] || '').get('session') || '';
  const [f, setF] = useState({ prompt: '', model: '', template: '', network: 'none', permissionMode: 'bypassPermissions',
    maxTurns: '', maxBudgetUsd: '', timeout: '', session: preset });
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [sessions, setSessions] = useState([]);
  useEffect(() => {
    api('/v1/sessions' + q({ workspaceId: ctx.ws.id, status: 'active', limit: 50 })).then((r) => setSessions(r.data)).catch(() => {});
  }, [ctx.ws.id]);
  const set = (k) => (e) => { setF({ ...f, [k]: e.target.value }); setErrors({ ...errors, [k]: null }); };
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    const found = check(f);
    setErrors(found);
    if (Object.keys(found).length) { document.getElementById(Object.keys(found)[0])?.focus(); return; }
    const options = { network: f.network, permissionMode: f.permissionMode };
    if (f.maxTurns) options.maxTurns = Number(f.maxTurns);
    if (f.maxBudgetUsd) options.maxBudgetUsd = Number(f.maxBudgetUsd);
    if (f.timeout) options.timeout = f.timeout.trim();
    const body = { workspaceId: ctx.ws.id, prompt: f.prompt, options };
    if (f.model.trim()) body.model = f.model.trim();
    if (f.template.trim()) body.template = f.template.trim();
    setBusy(true);
    try {
      let run;
      if (f.session === 'new') {
        const s = await api('/v1/sessions', { method: 'POST', body: { workspaceId: ctx.ws.id, model: body.model, template: body.template, options } });
        run = await api(`/v1/sessions/${s.id}/messages`, { method: 'POST', body: { prompt: f.prompt } });
      } else {
        if (f.session) { body.sessionId = f.session; delete body.workspaceId; }
        run = await api('/v1/runs', { method: 'POST', body });
      }
      go('runs/' + run.id);
    } catch (err) {
      const field = err.field && FIELD_OF[err.field];
      if (field) { setErrors({ [field]: err.message }); document.getElementById(field)?.focus(); } else setError(err);
    } finally {
      setBusy(false);
    }
  };
  const input = (id, props = {}) => html`<input id=${id} name=${id} value=${f[id]} onInput=${set(id)} ...${described(id, errors[id])} ...${props} />`;
  return html`<section aria-labelledby="start-title">
    <h1 id="start-title">Start a run</h1>
    <form class="card start" onSubmit=${submit} novalidate>
      <${Field} id="session" label="Session" hint="A session keeps its sandbox and the conversation from turn to turn.">
        <select id="session" value=${f.session} onChange=${set('session')}>
          <option value="">No session: a single run</option>
          <option value="new">Start a new session</option>
          ${sessions.map((s) => html`<option value=${s.id}>Continue ${s.id} (${s.turns} turns)</option>`)}
          ${preset && !sessions.some((s) => s.id === preset) ? html`<option value=${preset}>Continue ${preset}</option>` : null}
        </select>
      <//>
      <${Field} id="prompt" label="Prompt" error=${errors.prompt}>
        <textarea id="prompt" name="prompt" rows="6" value=${f.prompt} onInput=${set('prompt')} ...${described('prompt', errors.prompt)}
          placeholder="Write fizzbuzz.py and run it"></textarea>
      <//>
      <div class="grid">
        <${Field} id="model" label="Model" error=${errors.model} hint="Empty: the server's default.">${input('model', { placeholder: 'claude-sonnet-4-5' })}<//>
        <${Field} id="template" label="Template" error=${errors.template} hint="Sandbox template; empty: host.">${input('template', { placeholder: 'host' })}<//>
        <${Field} id="network" label="Network" error=${errors.network}>
          <select id="network" value=${f.network} onChange=${set('network')}>
            <option value="none">none: no network</option><option value="open">open: internet access</option>
          </select>
        <//>
        <${Field} id="permissionMode" label="Permissions" error=${errors.permissionMode} hint="default asks you before each tool call.">
          <select id="permissionMode" value=${f.permissionMode} onChange=${set('permissionMode')}>${MODES.map((m) => html`<option value=${m}>${m}</option>`)}</select>
        <//>
        <${Field} id="maxTurns" label="Max turns" error=${errors.maxTurns}>${input('maxTurns', { inputmode: 'numeric', placeholder: 'no limit' })}<//>
        <${Field} id="maxBudgetUsd" label="Budget (USD)" error=${errors.maxBudgetUsd}>${input('maxBudgetUsd', { inputmode: 'decimal', placeholder: 'no limit' })}<//>
        <${Field} id="timeout" label="Timeout" error=${errors.timeout} hint="e.g. 10m; at most the server's run timeout.">${input('timeout', { placeholder: '30m' })}<//>
      </div>
      <${ErrorBox} error=${error} />
      <button type="submit" class="primary" disabled=${busy} id="start-submit">${busy ? 'Starting…' : 'Start'}</button>
    </form>
  </section>`;
}
