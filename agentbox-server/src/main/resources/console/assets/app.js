// The agentbox console: sign-in, the navigation and the pages. Everything it shows comes from /v1.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, auth, onUnauthorized } from './api.js';
import { html, useRoute, Field, described, ErrorBox } from './ui.js';
import { RunsPage } from './runs.js';
import { RunPage } from './run.js';
import { StartPage } from './start.js';
import { SandboxesPage } from './sandboxes.js';
import { UsagePage } from './usage.js';
import { AdminPage } from './admin.js';

function SignIn({ notice, onSignedIn }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const k = key.trim();
    if (!k) { setError('Enter an API key.'); return; }
    setBusy(true);
    try {
      const me = await api('/v1/me', { key: k });
      auth.signIn(k);
      onSignedIn(me);
    } catch (err) {
      setError(err.status === 401 ? 'This key is not valid (or was revoked).' : err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="signin" id="main">
    <form onSubmit=${submit} class="card" aria-labelledby="signin-title" novalidate>
      <h1 id="signin-title">Sign in to agentbox</h1>
      ${notice ? html`<p class="notice" role="status" id="signin-notice">${notice}</p>` : null}
      <${Field} id="api-key" label="API key" error=${error} hint="Kept in this tab only (sessionStorage), sent as a bearer token.">
        <input id="api-key" name="apiKey" type="password" autocomplete="off" spellcheck="false" value=${key}
          onInput=${(e) => { setKey(e.target.value); setError(null); }} ...${described('api-key', error)} />
      <//>
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}

const PAGES = [
  ['runs', 'Runs'], ['start', 'Start a run'], ['sandboxes', 'Sandboxes'], ['usage', 'Usage'], ['admin', 'Admin'],
];

function Shell({ me, onSignOut }) {
  const route = useRoute();
  const [wsId, setWsId] = useState(() => {
    const saved = auth.workspace();
    return me.workspaces.some((w) => w.id === saved) ? saved : me.workspaces[0]?.id;
  });
  const ws = me.workspaces.find((w) => w.id === wsId) || { id: wsId, role: 'viewer', name: '—' };
  const role = ws.role;
  const canWrite = role !== 'viewer';
  const isAdmin = role === 'admin' || role === 'owner';
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [route.join('/')]);
  const pages = PAGES.filter(([id]) => (id === 'start' ? canWrite : id === 'admin' ? isAdmin : true));
  const ctx = { me, ws, role, canWrite, isAdmin };
  let page;
  switch (route[0]) {
    case 'runs': page = route[1] ? html`<${RunPage} key=${route[1]} id=${route[1]} ctx=${ctx} />` : html`<${RunsPage} key=${ws.id} ctx=${ctx} />`; break;
    case 'start': page = canWrite ? html`<${StartPage} key=${ws.id} ctx=${ctx} />` : html`<${Denied} what="start runs" />`; break;
    case 'sandboxes': page = html`<${SandboxesPage} key=${ws.id} ctx=${ctx} />`; break;
    case 'usage': page = html`<${UsagePage} key=${ws.id} ctx=${ctx} />`; break;
    case 'admin': page = isAdmin ? html`<${AdminPage} key=${ws.id} ctx=${ctx} />` : html`<${Denied} what="manage members and keys" />`; break;
    default: page = html`<p>No such page. <a href="#/runs">Runs</a></p>`;
  }
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
    <header class="top">
      <a class="brand" href="#/runs">agentbox</a>
      <button class="menu-toggle" aria-expanded=${menu ? 'true' : 'false'} aria-controls="nav" onClick=${() => setMenu(!menu)}>Menu</button>
      <nav id="nav" class=${menu ? 'open' : ''} aria-label="Main">
        ${pages.map(([id, label]) => html`<a href=${'#/' + id} aria-current=${route[0] === id ? 'page' : null} data-nav=${id}>${label}</a>`)}
      </nav>
      <div class="who">
        ${me.workspaces.length > 1 ? html`<label class="sr-only" for="workspace">Workspace</label>
          <select id="workspace" value=${ws.id} onChange=${(e) => { auth.setWorkspace(e.target.value); setWsId(e.target.value); }}>
            ${me.workspaces.map((w) => html`<option value=${w.id}>${w.name}</option>`)}
          </select>` : html`<span class="ws">${ws.name}</span>`}
        <span class="role" data-role=${role}>${role}</span>
        <span class="me" title=${me.principalId}>${me.name || me.principalId}</span>
        <button class="link" onClick=${onSignOut} id="sign-out">Sign out</button>
      </div>
    </header>
    <main id="main" tabindex="-1">${page}</main>
  </div>`;
}

function Denied({ what }) {
  return html`<div class="card"><h1>Not allowed</h1><p>Your role in this workspace does not let you ${what}.</p></div>`;
}

function App() {
  const [me, setMe] = useState(null);
  const [loading, setLoading] = useState(!!auth.key());
  const [notice, setNotice] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    onUnauthorized((message) => {
      auth.signOut();
      setMe(null);
      setNotice('You were signed out: ' + message);
    });
    if (!auth.key()) return;
    api('/v1/me').then(setMe).catch((e) => { if (e.status !== 401) setError(e); }).finally(() => setLoading(false));
  }, []);
  if (loading) return html`<p class="boot">Loading…</p>`;
  if (error) return html`<main class="signin"><${ErrorBox} error=${error} /></main>`;
  if (!me) return html`<${SignIn} notice=${notice} onSignedIn=${(m) => { setNotice(null); setMe(m); if (!location.hash) location.hash = '#/runs'; }} />`;
  return html`<${Shell} me=${me} onSignOut=${() => { auth.signOut(); setMe(null); setNotice('Signed out.'); }} />`;
}

const root = document.getElementById('app');
root.textContent = ''; // the loading note
render(html`<${App} />`, root);
