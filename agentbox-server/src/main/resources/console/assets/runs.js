// Runs: newest first, with filters (status, since, who started it), paging, and live status.
import { useEffect, useState } from 'preact/hooks';
import { api, q } from './api.js';
import { html, Status, usd, when, ErrorBox, usePoll, Field, described } from './ui.js';

const STATUSES = ['queued', 'booting', 'running', 'succeeded', 'failed', 'canceled'];
const PAGE = 20;

export function RunsPage({ ctx }) {
  const [filters, setFilters] = useState({ status: '', since: '', createdBy: '' });
  const [cursors, setCursors] = useState([null]); // cursors[i] opens page i
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const [sinceError, setSinceError] = useState(null);
  const [members, setMembers] = useState([]);
  useEffect(() => {
    api(`/v1/workspaces/${ctx.ws.id}/members`).then((r) => setMembers(r.data)).catch(() => setMembers([]));
  }, [ctx.ws.id]);
  const names = Object.fromEntries(members.map((m) => [m.principalId, m.name]));
  const at = cursors.length - 1;
  let since = '';
  if (filters.since) {
    const d = new Date(filters.since);
    since = isNaN(d) ? '' : d.toISOString();
  }
  // the list refreshes every 3 s: statuses change under the reader's eyes
  usePoll(async (current) => {
    try {
      const r = await api('/v1/runs' + q({ workspaceId: ctx.ws.id, status: filters.status, since, createdBy: filters.createdBy, limit: PAGE, cursor: cursors[at] }));
      if (current()) { setPage(r); setError(null); }
    } catch (e) { if (current()) setError(e); }
  }, 3000, [ctx.ws.id, filters.status, since, filters.createdBy, cursors.join(',')]);
  const set = (k) => (e) => { setFilters({ ...filters, [k]: e.target.value }); setCursors([null]); };
  const setSince = (e) => {
    const v = e.target.value;
    setSinceError(v && isNaN(new Date(v)) ? 'Not a date and time.' : null);
    set('since')(e);
  };
  return html`<section aria-labelledby="runs-title">
    <div class="page-head">
      <h1 id="runs-title">Runs</h1>
      ${ctx.canWrite ? html`<a class="button primary" href="#/start" id="new-run">Start a run</a>` : null}
    </div>
    <form class="filters" onSubmit=${(e) => e.preventDefault()} aria-label="Filter runs">
      <${Field} id="f-status" label="Status">
        <select id="f-status" value=${filters.status} onChange=${set('status')}>
          <option value="">any</option>${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
        </select>
      <//>
      <${Field} id="f-since" label="Created since" error=${sinceError}>
        <input id="f-since" type="datetime-local" value=${filters.since} onChange=${setSince} ...${described('f-since', sinceError)} />
      <//>
      <${Field} id="f-by" label="Started by">
        <select id="f-by" value=${filters.createdBy} onChange=${set('createdBy')}>
          <option value="">anyone</option>${members.map((m) => html`<option value=${m.principalId}>${m.name}</option>`)}
        </select>
      <//>
    </form>
    <${ErrorBox} error=${error} />
    ${page && page.data.length === 0 ? html`<p class="empty">No runs${filters.status || since || filters.createdBy ? ' match these filters' : ' yet'}.</p>` : null}
    ${page && page.data.length > 0 ? html`<div class="table-wrap"><table class="runs">
      <caption class="sr-only">Runs, newest first</caption>
      <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Prompt</th><th scope="col" class="hide-narrow">Model</th>
        <th scope="col" class="hide-narrow">Started by</th><th scope="col">Created</th><th scope="col" class="num">Cost</th></tr></thead>
      <tbody>${page.data.map((r) => html`<tr data-run=${r.id}>
        <td><a href=${'#/runs/' + r.id} class="mono">${r.id.slice(0, 14)}…</a></td>
        <td><${Status} status=${r.status} /></td>
        <td class="prompt" title=${r.prompt}>${r.prompt.length > 80 ? r.prompt.slice(0, 80) + '…' : r.prompt}</td>
        <td class="hide-narrow">${r.model || 'default'}</td>
        <td class="hide-narrow">${names[r.createdBy] || r.createdBy}</td>
        <td>${when(r.createdAt)}</td>
        <td class="num">${usd(r.cost?.total)}</td>
      </tr>`)}</tbody>
    </table></div>` : null}
    <nav class="pager" aria-label="Pages of runs">
      <button disabled=${at === 0} onClick=${() => setCursors(cursors.slice(0, -1))} id="prev-page">Newer</button>
      <span>Page ${at + 1}</span>
      <button disabled=${!page || !page.nextCursor} onClick=${() => setCursors([...cursors, page.nextCursor])} id="next-page">Older</button>
    </nav>
  </section>`;
}
