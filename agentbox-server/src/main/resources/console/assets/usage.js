// Usage: cost, tokens, runs and errors by day and by model, from GET /v1/analytics/usage, drawn as SVG.
import { useEffect, useState } from 'preact/hooks';
import { api, q } from './api.js';
import { html, usd, num, ms, ErrorBox, Field } from './ui.js';

const W = 640, H = 180, PAD = 28;

/** Stacked bars, one per row; every bar has a title, and the figures are in a table below for screen readers. */
function Bars({ title, series, rows, format }) {
  const totals = rows.map((r) => r.values.reduce((a, b) => a + b, 0));
  const max = Math.max(1e-9, ...totals);
  const bw = (W - PAD) / Math.max(1, rows.length);
  const id = title.replace(/\W+/g, '-').toLowerCase();
  return html`<figure class="chart" aria-labelledby=${id}>
    <figcaption id=${id}>${title} <span class="legend">${series.map((s, i) => html`<span><i class=${'c' + i}></i>${s}</span>`)}</span></figcaption>
    <svg viewBox=${`0 0 ${W} ${H + 18}`} role="img" aria-label=${`${title}: total ${format(totals.reduce((a, b) => a + b, 0))}, highest ${format(max === 1e-9 ? 0 : max)}`}>
      <line x1=${PAD} y1=${H} x2=${W} y2=${H} class="axis" />
      <text x="0" y="10" class="tick">${format(max === 1e-9 ? 0 : max)}</text>
      ${rows.map((r, i) => {
        let y = H;
        return html`<g>
          ${r.values.map((v, k) => {
            const hgt = (v / max) * (H - 14);
            y -= hgt;
            return html`<rect x=${PAD + i * bw + 1} y=${y} width=${Math.max(1, bw - 2)} height=${hgt} class=${'c' + k}><title>${r.label} · ${series[k]}: ${format(v)}</title></rect>`;
          })}
          ${rows.length <= 12 || i % Math.ceil(rows.length / 10) === 0 ? html`<text x=${PAD + i * bw + bw / 2} y=${H + 14} class="tick" text-anchor="middle">${r.short ?? r.label}</text>` : null}
        </g>`;
      })}
    </svg>
  </figure>`;
}

const errorsOf = (g) => Object.values(g.errors || {}).reduce((a, b) => a + b, 0);

export function UsagePage({ ctx }) {
  const [days, setDays] = useState('30');
  const [byDay, setByDay] = useState(null);
  const [byModel, setByModel] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    const from = new Date(Date.now() - (Number(days) - 1) * 86400000).toISOString().slice(0, 10);
    const to = new Date().toISOString().slice(0, 10);
    const base = { workspaceId: ctx.ws.id, from, to };
    Promise.all([api('/v1/analytics/usage' + q({ ...base, groupBy: 'day' })), api('/v1/analytics/usage' + q({ ...base, groupBy: 'model' }))])
      .then(([d, m]) => { setByDay(d); setByModel(m); setError(null); })
      .catch(setError);
  }, [ctx.ws.id, days]);
  const rows = (f) => (byDay ? byDay.data.map((g) => ({ label: g.key, short: g.key.slice(5), values: f(g) })) : []);
  const t = byDay?.totals;
  return html`<section aria-labelledby="usage-title">
    <div class="page-head">
      <h1 id="usage-title">Usage</h1>
      <${Field} id="usage-days" label="Window">
        <select id="usage-days" value=${days} onChange=${(e) => setDays(e.target.value)}>
          <option value="7">last 7 days</option><option value="30">last 30 days</option><option value="90">last 90 days</option>
        </select>
      <//>
    </div>
    <${ErrorBox} error=${error} />
    ${t ? html`<dl class="facts totals">
      <div><dt>Cost</dt><dd id="usage-cost">${usd(t.costUsd.total)}</dd></div>
      <div><dt>Runs</dt><dd id="usage-runs">${num(t.runs)}</dd></div>
      <div><dt>Errors</dt><dd>${num(errorsOf(t))}</dd></div>
      <div><dt>Tokens in / out</dt><dd>${num(t.tokens.input)} / ${num(t.tokens.output)}</dd></div>
      <div><dt>Duration p50 / p95</dt><dd>${ms(t.durationMs?.p50)} / ${ms(t.durationMs?.p95)}</dd></div>
    </dl>` : null}
    ${byDay ? html`<div class="charts">
      <${Bars} title="Cost by day (USD)" series=${['model', 'sandbox']} rows=${rows((g) => [g.costUsd.model, g.costUsd.sandbox])} format=${usd} />
      <${Bars} title="Tokens by day" series=${['input', 'output', 'cache read']} rows=${rows((g) => [g.tokens.input, g.tokens.output, g.tokens.cacheRead])} format=${num} />
      <${Bars} title="Runs by day" series=${['succeeded', 'failed', 'canceled', 'active']} rows=${rows((g) => [g.succeeded, g.failed, g.canceled, g.active])} format=${num} />
      <${Bars} title="Errors by day" series=${['errors']} rows=${rows((g) => [errorsOf(g)])} format=${num} />
    </div>` : null}
    ${byModel && byModel.data.length ? html`<div class="charts">
      <${Bars} title="Cost by model (USD)" series=${['model', 'sandbox']} format=${usd}
        rows=${byModel.data.map((g) => ({ label: g.key, short: g.key.length > 16 ? g.key.slice(0, 15) + '…' : g.key, values: [g.costUsd.model, g.costUsd.sandbox] }))} />
      <${Bars} title="Runs by model" series=${['succeeded', 'failed', 'canceled', 'active']} format=${num}
        rows=${byModel.data.map((g) => ({ label: g.key, short: g.key.length > 16 ? g.key.slice(0, 15) + '…' : g.key, values: [g.succeeded, g.failed, g.canceled, g.active] }))} />
    </div>` : null}
    ${byModel ? html`<h2>By model</h2>
      ${byModel.data.length === 0 ? html`<p class="empty">No runs in this window.</p>` : html`<div class="table-wrap"><table class="by-model">
        <thead><tr><th scope="col">Model</th><th scope="col" class="num">Runs</th><th scope="col" class="num">Errors</th><th scope="col" class="num">Tokens in</th>
          <th scope="col" class="num">Tokens out</th><th scope="col" class="num">Cost</th><th scope="col" class="num hide-narrow">p50</th></tr></thead>
        <tbody>${byModel.data.map((g) => html`<tr data-model=${g.key}><th scope="row">${g.key}</th><td class="num">${num(g.runs)}</td><td class="num">${num(errorsOf(g))}</td>
          <td class="num">${num(g.tokens.input)}</td><td class="num">${num(g.tokens.output)}</td><td class="num">${usd(g.costUsd.total)}</td><td class="num hide-narrow">${ms(g.durationMs?.p50)}</td></tr>`)}</tbody>
      </table></div>`}` : null}
  </section>`;
}
