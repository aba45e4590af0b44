// Small shared pieces: formatting, status badges, form fields with inline errors, the hash route.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

export const usd = (v) => (v === null || v === undefined ? '—' : '$' + Number(v).toFixed(Number(v) < 1 ? 4 : 2));
export const num = (v) => (v === null || v === undefined ? '—' : Number(v).toLocaleString('en-US'));
export const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' }) : '—');
export const ms = (v) => (v === null || v === undefined ? '—' : v < 1000 ? v + ' ms' : (v / 1000).toFixed(1) + ' s');
export const bytes = (n) => (n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1048576).toFixed(1) + ' MiB');

export function Status({ status }) {
  return html`<span class=${'badge s-' + status} data-status=${status}>${status}</span>`;
}

/** An input with its label and, under it, the error about it (linked for screen readers). */
export function Field({ id, label, error, hint, children }) {
  return html`<div class=${'field' + (error ? ' invalid' : '')}>
    <label for=${id}>${label}</label>
    ${children}
    ${hint && !error ? html`<small id=${id + '-hint'} class="hint">${hint}</small>` : null}
    ${error ? html`<small id=${id + '-error'} class="field-error" role="alert">${error}</small>` : null}
  </div>`;
}

/** aria attributes of an input whose Field may show an error. */
export const described = (id, error) => ({ 'aria-invalid': error ? 'true' : 'false', 'aria-describedby': error ? id + '-error' : id + '-hint' });

export function ErrorBox({ error }) {
  if (!error) return null;
  return html`<div class="error" role="alert" data-error-code=${error.code || ''}>${error.message || String(error)}</div>`;
}

/** The part of the URL after '#', e.g. ['runs', 'run_…']; the console is one page with hash routes. */
export function useRoute() {
  const read = () => (location.hash.replace(/^#\/?/, '') || 'runs').split('?')[0].split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(read());
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export const go = (path) => { location.hash = '#/' + path; };

/**
 * Calls fn now and every `ms` while the page is shown, never two at once. fn gets `current()`: false once
 * the deps changed, so that a late answer to an old query does not overwrite the new one.
 */
export function usePoll(fn, ms, deps) {
  useEffect(() => {
    let stop = false, t = null;
    const tick = async () => {
      try { await fn(() => !stop); } finally { if (!stop && ms) t = setTimeout(tick, ms); }
    };
    tick();
    return () => { stop = true; clearTimeout(t); };
  }, deps);
}
