// Admin (admins and owners): the workspace's members and API keys; a new key is shown once.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { html, when, ErrorBox, Field, described } from './ui.js';

export function AdminPage({ ctx }) {
  const ws = ctx.ws.id;
  const [members, setMembers] = useState([]);
  const [keys, setKeys] = useState([]);
  const [error, setError] = useState(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState('member');
  const [nameError, setNameError] = useState(null);
  const [created, setCreated] = useState(null);
  const [confirm, setConfirm] = useState(null);
  const load = async () => {
    try {
      const [m, k] = await Promise.all([api(`/v1/workspaces/${ws}/members`), api(`/v1/workspaces/${ws}/keys`)]);
      setMembers(m.data); setKeys(k.data); setError(null);
    } catch (e) { setError(e); }
  };
  useEffect(() => { load(); }, [ws]);
  const names = Object.fromEntries(members.map((m) => [m.principalId, m.name]));
  const create = async (e) => {
    e.preventDefault();
    if (!name.trim()) { setNameError('Give the key a name, e.g. "ci".'); document.getElementById('key-name').focus(); return; }
    try {
      setCreated(await api(`/v1/workspaces/${ws}/keys`, { method: 'POST', body: { name: name.trim(), role } }));
      setName('');
      load();
    } catch (err) { if (err.field === 'name') setNameError(err.message); else setError(err); }
  };
  const revoke = async (id) => {
    setConfirm(null);
    try { await api(`/v1/workspaces/${ws}/keys/${id}`, { method: 'DELETE' }); load(); } catch (e) { setError(e); }
  };
  const roles = ctx.role === 'owner' ? ['viewer', 'member', 'admin', 'owner'] : ['viewer', 'member'];
  return html`<section aria-labelledby="admin-title">
    <h1 id="admin-title">Admin: ${ctx.ws.name}</h1>
    <${ErrorBox} error=${error} />
    <h2>Members</h2>
    <div class="table-wrap"><table class="members">
      <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Role</th><th scope="col" class="hide-narrow">Joined</th></tr></thead>
      <tbody>${members.map((m) => html`<tr data-member=${m.principalId}><td>${m.name}</td><td>${m.kind}</td><td>${m.role}</td><td class="hide-narrow">${when(m.joinedAt)}</td></tr>`)}</tbody>
    </table></div>
    <h2>API keys</h2>
    <form class="card inline-form" onSubmit=${create} novalidate aria-label="Create an API key">
      <${Field} id="key-name" label="Name" error=${nameError}>
        <input id="key-name" value=${name} maxlength="100" onInput=${(e) => { setName(e.target.value); setNameError(null); }} ...${described('key-name', nameError)} />
      <//>
      <${Field} id="key-role" label="Role">
        <select id="key-role" value=${role} onChange=${(e) => setRole(e.target.value)}>${roles.map((r) => html`<option value=${r}>${r}</option>`)}</select>
      <//>
      <button type="submit" class="primary" id="create-key">Create key</button>
    </form>
    ${created ? html`<div class="card new-key" role="status">
      <p><strong>New key "${created.name}" (${created.role}).</strong> Copy it now: it is shown only this once.</p>
      <label for="new-key-value">Key</label>
      <input id="new-key-value" readonly value=${created.key} onFocus=${(e) => e.target.select()} />
      <button onClick=${() => navigator.clipboard?.writeText(created.key)}>Copy</button>
      <button onClick=${() => setCreated(null)} id="dismiss-key">Done</button>
    </div>` : null}
    <div class="table-wrap"><table class="keys">
      <thead><tr><th scope="col">Name</th><th scope="col">Principal</th><th scope="col" class="hide-narrow">Created</th><th scope="col" class="hide-narrow">Last used</th>
        <th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${keys.map((k) => html`<tr data-key=${k.id}>
        <td>${k.name}</td><td>${names[k.principalId] || k.principalId}</td><td class="hide-narrow">${when(k.createdAt)}</td><td class="hide-narrow">${when(k.lastUsedAt)}</td>
        <td>${k.revokedAt ? 'revoked ' + when(k.revokedAt) : 'active'}</td>
        <td class="actions">${k.revokedAt || k.id === ctx.me.keyId ? null : confirm === k.id
          ? html`<button class="danger" onClick=${() => revoke(k.id)} data-confirm-revoke=${k.id}>Really revoke</button><button onClick=${() => setConfirm(null)}>Keep</button>`
          : html`<button class="danger" onClick=${() => setConfirm(k.id)} data-revoke=${k.id}>Revoke</button>`}</td>
      </tr>`)}</tbody>
    </table></div>
  </section>`;
}
