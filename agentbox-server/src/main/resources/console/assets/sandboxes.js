// Sandboxes: the workspace's live sandboxes, with their details and kill.
import { useState } from 'preact/hooks';
import { api, q } from './api.js';
import { html, when, ErrorBox, usePoll } from './ui.js';

export function SandboxesPage({ ctx }) {
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const [confirm, setConfirm] = useState(null);
  const load = async (current = () => true) => {
    try {
      const r = await api('/v1/sandboxes' + q({ workspaceId: ctx.ws.id }));
      if (current()) { setList(r.data); setError(null); }
    } catch (e) { if (current()) setError(e); }
  };
  usePoll(load, 5000, [ctx.ws.id]);
  const info = async (id) => {
    if (open?.id === id) { setOpen(null); return; }
    try { setOpen(await api('/v1/sandboxes/' + id)); } catch (e) { setError(e); }
  };
  const kill = async (id) => {
    setConfirm(null);
    try { await api('/v1/sandboxes/' + id, { method: 'DELETE' }); await load(); } catch (e) { setError(e); }
  };
  const mayKill = (s) => ctx.canWrite && (ctx.isAdmin || s.createdBy === ctx.me.principalId);
  return html`<section aria-labelledby="sb-title">
    <h1 id="sb-title">Sandboxes</h1>
    <${ErrorBox} error=${error} />
    ${list && list.length === 0 ? html`<p class="empty">No live sandboxes.</p>` : null}
    ${list && list.length > 0 ? html`<div class="table-wrap"><table>
      <caption class="sr-only">Live sandboxes</caption>
      <thead><tr><th scope="col">Sandbox</th><th scope="col">Kind</th><th scope="col">Template</th><th scope="col" class="hide-narrow">Created by</th>
        <th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${list.map((s) => html`<tr data-sandbox=${s.id}>
        <td class="mono">${s.id}</td><td>${s.kind}</td><td>${s.template}</td><td class="hide-narrow mono">${s.createdBy}</td><td>${when(s.createdAt)}</td>
        <td class="actions">
          <button onClick=${() => info(s.id)} aria-expanded=${open?.id === s.id ? 'true' : 'false'}>Info</button>
          ${mayKill(s) ? (confirm === s.id
            ? html`<button class="danger" onClick=${() => kill(s.id)} data-confirm-kill=${s.id}>Really kill</button><button onClick=${() => setConfirm(null)}>Keep</button>`
            : html`<button class="danger" onClick=${() => setConfirm(s.id)} data-kill=${s.id}>Kill</button>`) : null}
        </td></tr>`)}</tbody>
    </table></div>` : null}
    ${open ? html`<section class="card" aria-label="Sandbox details"><h2 class="mono">${open.id}</h2><pre>${JSON.stringify(open, null, 2)}</pre></section>` : null}
  </section>`;
}
