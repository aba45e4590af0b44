// The console's one way to the server: the API key from sessionStorage as a bearer token, errors as
// ApiError, and event streams opened with single-use stream tickets (the key never goes into a URL).
const KEY = 'agentbox.apiKey';
const WS = 'agentbox.workspace';

export const auth = {
  key: () => sessionStorage.getItem(KEY),
  signIn: (key) => sessionStorage.setItem(KEY, key),
  signOut: () => { sessionStorage.removeItem(KEY); sessionStorage.removeItem(WS); },
  workspace: () => sessionStorage.getItem(WS),
  setWorkspace: (id) => sessionStorage.setItem(WS, id),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
    // "field 'options.maxTurns' must be …" names the input to mark
    const m = /^field '([^']+)'/.exec(message || '');
    this.field = m ? m[1] : null;
  }
}

let unauthorized = () => {};
/** Called with the server's message when the key stops working (revoked, or wrong). */
export function onUnauthorized(fn) { unauthorized = fn; }

export async function api(path, { method = 'GET', body, raw = false, key = auth.key() } = {}) {
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = 'Bearer ' + key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', 'the server cannot be reached');
  }
  if (!r.ok) {
    let code = 'http_' + r.status, message = r.statusText || ('HTTP ' + r.status);
    try { const j = await r.json(); code = j.error.code; message = j.error.message; } catch (e) { /* not JSON */ }
    const err = new ApiError(r.status, code, message);
    if (r.status === 401 && key === auth.key()) unauthorized(message);
    throw err;
  }
  if (raw) return r;
  return r.status === 204 ? null : r.json();
}

export const q = (params) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, v);
  const t = s.toString();
  return t ? '?' + t : '';
};

// Named SSE frames reach only listeners of their name: these are the types the console knows.
export const EVENT_TYPES = ['run.started', 'sandbox.ready', 'sandbox.recreated', 'text.delta', 'text', 'thinking.delta',
  'thinking', 'tool.call', 'tool.result', 'permission.request', 'network.denied', 'usage', 'retry', 'compaction',
  'mcp.server', 'mcp.progress', 'artifacts', 'run.completed', 'run.failed', 'run.canceled'];
export const TERMINAL = new Set(['run.completed', 'run.failed', 'run.canceled']);

/**
 * Follows a run's events from `after`: each event once, in order. When the stream breaks before the
 * terminal event it asks for a new ticket and resumes after the last seq it delivered (the server
 * replays from the store, so nothing is lost; anything at or below that seq is dropped here too).
 * Returns a function that stops following.
 */
export function followRun(runId, { after = 0, onEvent, onState = () => {} }) {
  let last = after, stopped = false, es = null, retry = 0, reconnects = 0, timer = null;
  const stop = () => { stopped = true; clearTimeout(timer); if (es) es.close(); };
  const deliver = (m) => {
    let ev;
    try { ev = JSON.parse(m.data); } catch (e) { return; }
    if (ev.seq <= last) return;
    last = ev.seq;
    retry = 0;
    onEvent(ev);
    if (TERMINAL.has(ev.type)) { stop(); onState({ state: 'ended', reconnects }); }
  };
  const open = async () => {
    if (stopped) return;
    let ticket;
    try {
      ticket = (await api('/v1/stream-tickets', { method: 'POST' })).ticket;
    } catch (e) {
      if (e.status === 401 || e.status === 403 || e.status === 404) { stop(); onState({ state: 'closed', error: e.message, reconnects }); return; }
      return again();
    }
    if (stopped) return;
    es = new EventSource(`/v1/runs/${encodeURIComponent(runId)}/events${q({ after: last, ticket })}`);
    es.onopen = () => onState({ state: 'live', reconnects });
    es.onmessage = deliver;
    for (const t of EVENT_TYPES) es.addEventListener(t, deliver);
    es.onerror = () => {
      // the browser would retry with the same, spent ticket: reopen with a new one instead
      es.close();
      if (stopped) return;
      reconnects++;
      again();
    };
  };
  const again = () => {
    onState({ state: 'reconnecting', reconnects });
    timer = setTimeout(open, Math.min(5000, 250 * 2 ** retry++));
  };
  open();
  return stop;
}
