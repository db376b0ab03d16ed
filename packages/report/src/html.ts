import { displayLocation, Totals } from "./totals.js";
import type { ReportContext, ReportFinding } from "./types.js";

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// JSON inside <script>: no "<" at all, so neither </script> nor <!-- can end or
// change the element, whatever a finding's text holds.
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const CSS = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#dde1e8;--bg:#f7f8fa;--accent:#3558d4;--new:#c2410c;--ok:#15803d}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
#page{display:flex;flex-direction:column;gap:16px;max-width:1400px;margin:0 auto;padding:20px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:0 0 12px}.muted{color:var(--muted)}
#summary{order:1}#findings{order:2}#coverage{order:3}#meta{order:4}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:12px}.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:22px}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
td.n,th.n{text-align:right}code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
#rows th{cursor:pointer;user-select:none;position:sticky;top:0;background:#fff}#rows th[aria-sort=ascending]::after{content:" ▲"}#rows th[aria-sort=descending]::after{content:" ▼"}
.controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:8px}input,select,button{font:inherit;padding:4px 8px}
.tag{display:inline-block;background:#eef1f7;border-radius:4px;padding:0 4px;margin:0 2px 2px 0;font-size:12px}
.state-new{color:var(--new);font-weight:600}.state-absent{color:var(--muted);text-decoration:line-through}.supp{color:var(--ok)}
.warn{background:#fff7e6;border:1px solid #f0c36d;border-radius:6px;padding:8px 12px;margin:0 0 8px}
svg text{font:12px system-ui,sans-serif;fill:var(--fg)}
`;

// The page script: renders one page of rows at a time from the embedded JSON, so
// 10,000+ findings stay responsive (sorting and filtering work on the array).
const SCRIPT = `
(function(){
var R=JSON.parse(document.getElementById('wct-data').textContent);
var COLS=['where','type','category','confidence','evidence','tags','state','artifact'];
var IDX={artifact:0,path:1,line:2,where:4,type:5,category:6,confidence:7,evidence:8,tags:9,state:10,supp:11,identity:12};
var PAGE=200,page=0,sortKey=null,sortDir=1,view=R.slice();
var q=document.getElementById('q'),ft=document.getElementById('f-type'),fs=document.getElementById('f-state');
var body=document.querySelector('#rows tbody'),info=document.getElementById('shown');
function esc(s){return String(s==null?'':s).replace(/[&<>"']/g,function(c){return '&#'+c.charCodeAt(0)+';'})}
function key(r,k){if(k==='where')return r[IDX.path];if(k==='state')return r[IDX.supp]?'suppressed':(r[IDX.state]||'');return r[IDX[k]]}
function apply(){
  var text=q.value.trim().toLowerCase(),type=ft.value,state=fs.value;
  view=R.filter(function(r){
    if(type&&r[IDX.type]!==type)return false;
    if(state==='suppressed'){if(!r[IDX.supp])return false}else if(state==='open'){if(r[IDX.supp]||r[IDX.state]==='absent')return false}else if(state&&r[IDX.state]!==state)return false;
    if(text){var hay=(r[IDX.where]+' '+r[IDX.type]+' '+r[IDX.category]+' '+(r[IDX.evidence]||'')+' '+r[IDX.tags]+' '+r[IDX.artifact]).toLowerCase();if(hay.indexOf(text)<0)return false}
    return true});
  if(sortKey){view.sort(function(a,b){var x=key(a,sortKey),y=key(b,sortKey);
    if(sortKey==='where'&&x===y){x=a[IDX.line]||0;y=b[IDX.line]||0}
    return (x<y?-1:x>y?1:0)*sortDir})}
  page=0;draw()}
function draw(){
  var pages=Math.max(1,Math.ceil(view.length/PAGE));if(page>=pages)page=pages-1;
  var start=page*PAGE,rows=view.slice(start,start+PAGE),h=[];
  for(var i=0;i<rows.length;i++){var r=rows[i],tags=r[IDX.tags]?r[IDX.tags].split(' '):[],t='';
    for(var j=0;j<tags.length;j++)t+='<span class="tag">'+esc(tags[j])+'</span>';
    var st=r[IDX.supp]?'<span class="supp" title="'+esc(r[IDX.supp])+'">suppressed</span>':(r[IDX.state]?'<span class="state-'+esc(r[IDX.state])+'">'+esc(r[IDX.state])+'</span>':'');
    h.push('<tr><td><code>'+esc(r[IDX.where])+'</code></td><td>'+esc(r[IDX.type])+'</td><td>'+esc(r[IDX.category])+'</td><td class="n">'+Number(r[IDX.confidence]).toFixed(2)+'</td><td><code>'+esc(r[IDX.evidence])+'</code></td><td>'+t+'</td><td>'+st+'</td><td>'+esc(r[IDX.artifact])+'</td></tr>')}
  body.innerHTML=h.join('');
  info.textContent=view.length?('showing '+(start+1)+'–'+(start+rows.length)+' of '+view.length+(view.length!==R.length?' (filtered from '+R.length+')':'')):'no findings match';
  document.getElementById('prev').disabled=page===0;document.getElementById('next').disabled=page>=pages-1}
var th=document.querySelectorAll('#rows th');
for(var i=0;i<th.length;i++)(function(el){el.addEventListener('click',function(){var k=el.getAttribute('data-key');
  if(sortKey===k)sortDir=-sortDir;else{sortKey=k;sortDir=k==='confidence'?-1:1}
  for(var j=0;j<th.length;j++)th[j].removeAttribute('aria-sort');el.setAttribute('aria-sort',sortDir>0?'ascending':'descending');apply()})})(th[i]);
var timer;q.addEventListener('input',function(){clearTimeout(timer);timer=setTimeout(apply,120)});
ft.addEventListener('change',apply);fs.addEventListener('change',apply);
document.getElementById('prev').addEventListener('click',function(){page--;draw()});
document.getElementById('next').addEventListener('click',function(){page++;draw()});
var types={};for(var i=0;i<R.length;i++)types[R[i][IDX.type]]=1;
Object.keys(types).sort().forEach(function(t){var o=document.createElement('option');o.value=t;o.textContent=t;ft.appendChild(o)});
apply();document.body.setAttribute('data-ready','1');
})();
`;

function barChart(entries: Array<[string, number]>, label: string): string {
  if (entries.length === 0) return "";
  const max = Math.max(...entries.map(([, n]) => n));
  const rowH = 22;
  const labelW = 190;
  const barW = 300;
  const rows = entries
    .map(([name, n], i) => {
      const w = Math.max(1, Math.round((n / max) * barW));
      const y = i * rowH;
      return `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(name)}</text><rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 8}" rx="2" fill="#3558d4"/><text x="${labelW + w + 6}" y="${y + 15}">${n}</text>`;
    })
    .join("");
  return `<svg role="img" aria-label="${escapeHtml(label)}" width="${labelW + barW + 70}" height="${entries.length * rowH}" viewBox="0 0 ${labelW + barW + 70} ${entries.length * rowH}">${rows}</svg>`;
}

function countTable(id: string, heading: string, entries: Array<[string, number]>): string {
  return `<table id="${id}"><thead><tr><th>${heading}</th><th class="n">findings</th></tr></thead><tbody>${entries
    .map(([k, n]) => `<tr><td>${escapeHtml(k)}</td><td class="n">${n}</td></tr>`)
    .join("")}</tbody></table>`;
}

function summary(totals: Totals, ctx: ReportContext): string {
  const byType = Totals.sorted(totals.byType);
  const byCategory = Totals.sorted(totals.byCategory);
  const cards = [
    `<div class="card"><span class="muted">findings</span><b id="total">${totals.total}</b></div>`,
    `<div class="card"><span class="muted">types</span><b>${byType.length}</b></div>`,
    `<div class="card"><span class="muted">suppressed</span><b id="suppressed">${totals.suppressed}</b></div>`,
  ];
  if (ctx.baseline_run) {
    cards.push(
      `<div class="card"><span class="muted">new</span><b id="new">${totals.byState.get("new") ?? 0}</b></div>`,
      `<div class="card"><span class="muted">unchanged</span><b>${totals.byState.get("unchanged") ?? 0}</b></div>`,
      `<div class="card"><span class="muted">absent</span><b>${totals.absent}</b></div>`,
    );
  }
  const warnings = ctx.expired_suppressions
    .map(
      (e) =>
        `<p class="warn expired">Suppression at <code>${escapeHtml(e.source)}</code> expired on ${escapeHtml(e.expires)} and no longer applies.</p>`,
    )
    .join("");
  return `<section id="summary"><h1>Personal data report</h1><p class="muted">run <code>${escapeHtml(ctx.run.run_id)}</code> · ${escapeHtml(ctx.run.runbook_path)}${ctx.baseline_run ? ` · baseline <code>${escapeHtml(ctx.baseline_run)}</code>` : ""}</p>${warnings}<div class="cards">${cards.join("")}</div><div class="grid"><div><h2>By type</h2>${barChart(byType, "findings by type")}${countTable("by-type", "type", byType)}</div><div><h2>By category</h2>${barChart(byCategory, "findings by category")}${countTable("by-category", "category", byCategory)}</div></div></section>`;
}

function coverage(ctx: ReportContext): string {
  const rows: string[] = [];
  const skippedRows: string[] = [];
  for (const a of ctx.artifacts) {
    for (const input of a.coverage) {
      const read = [
        input.files_scanned !== undefined ? `${input.files_scanned} files` : "",
        input.bytes_scanned !== undefined ? `${input.bytes_scanned} bytes` : "",
        input.tables_scanned !== undefined ? `${input.tables_scanned} tables` : "",
        input.columns_scanned !== undefined ? `${input.columns_scanned} columns` : "",
        input.rows_scanned !== undefined ? `${input.rows_scanned} rows` : "",
      ]
        .filter(Boolean)
        .join(", ");
      const skipped = Object.entries(input.skipped ?? {})
        .map(([why, n]) => `${escapeHtml(why)}: ${n}`)
        .join(", ");
      rows.push(
        `<tr><td>${escapeHtml(a.id)}</td><td>${escapeHtml(input.id)}</td><td>${escapeHtml(read)}</td><td>${skipped || "none"}</td></tr>`,
      );
      for (const s of [
        ...(input.skipped_files ?? []),
        ...(input.skipped_tables ?? []).map((t) => ({ path: t.name, reason: t.reason })),
      ].slice(0, 500)) {
        skippedRows.push(
          `<tr><td><code>${escapeHtml(s.path)}</code></td><td>${escapeHtml(s.reason)}</td></tr>`,
        );
      }
    }
    if (a.findings_truncated > 0) {
      rows.push(
        `<tr><td>${escapeHtml(a.id)}</td><td colspan="3">${a.findings_truncated} findings cut by max_findings</td></tr>`,
      );
    }
  }
  return `<section id="coverage"><h2>Coverage</h2><table><thead><tr><th>artifact</th><th>input</th><th>read</th><th>skipped</th></tr></thead><tbody>${rows.join("")}</tbody></table>${
    skippedRows.length
      ? `<details><summary>skipped items (${skippedRows.length})</summary><table><tbody>${skippedRows.join("")}</tbody></table></details>`
      : ""
  }</section>`;
}

function metadata(ctx: ReportContext): string {
  const r = ctx.run;
  const rows: Array<[string, string]> = [
    ["run", r.run_id],
    ["status", r.status],
    ["runbook", r.runbook_path],
    ["started", r.started_at],
    ["ended", r.completed_at ?? "-"],
    ["baseline", ctx.baseline_run ?? "-"],
    ["artifacts", ctx.artifacts.map((a) => `${a.id} (fingerprints ${a.fingerprint})`).join(", ")],
    ["report generated", ctx.generated_at],
    ["wct", ctx.tool_version],
  ];
  return `<section id="meta"><h2>Run</h2><table><tbody>${rows
    .map(([k, v]) => `<tr><th>${k}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("")}</tbody></table></section>`;
}

/**
 * One self-contained HTML page (inline CSS and JS, no request of any kind): totals by
 * type and category with charts, a sortable, filterable, paginated findings table,
 * coverage and the run's metadata. Findings stream into an embedded JSON array; the
 * totals section is written after it and placed on top by CSS.
 */
export async function* renderHtml(
  findings: AsyncIterable<ReportFinding>,
  ctx: ReportContext,
): AsyncGenerator<string> {
  yield `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>wct report · ${escapeHtml(ctx.run.run_id)}</title><style>${CSS}</style></head>
<body><div id="page">
<script id="wct-data" type="application/json">[`;
  const totals = new Totals();
  let batch = "";
  let first = true;
  for await (const item of findings) {
    totals.add(item);
    const f = item.finding;
    const loc = displayLocation(item);
    const row = [
      item.artifact,
      loc.file,
      loc.line,
      f.location.kind === "file" ? f.location.column : null,
      loc.where,
      f.type,
      f.category,
      f.confidence,
      f.evidence,
      f.tags.join(" "),
      item.state ?? "",
      item.suppression ? `${item.suppression.reason} (${item.suppression.author})` : "",
      item.identity,
    ];
    batch += `${first ? "" : ",\n"}${scriptJson(row)}`;
    first = false;
    if (batch.length > 65536) {
      yield batch;
      batch = "";
    }
  }
  yield `${batch}]</script>
${summary(totals, ctx)}
<section id="findings"><h2>Findings</h2>
<div class="controls"><input id="q" type="search" placeholder="filter: path, type, evidence, tag…" aria-label="filter findings" size="36">
<select id="f-type" aria-label="type"><option value="">all types</option></select>
<select id="f-state" aria-label="state"><option value="">all</option><option value="open">not suppressed</option><option value="suppressed">suppressed</option>${
    ctx.baseline_run
      ? '<option value="new">new</option><option value="unchanged">unchanged</option><option value="absent">absent</option>'
      : ""
  }</select>
<button id="prev" type="button">‹ prev</button><button id="next" type="button">next ›</button><span id="shown" class="muted"></span></div>
<table id="rows"><thead><tr><th data-key="where">location</th><th data-key="type">type</th><th data-key="category">category</th><th data-key="confidence" class="n">confidence</th><th data-key="evidence">evidence (masked)</th><th data-key="tags">tags</th><th data-key="state">state</th><th data-key="artifact">artifact</th></tr></thead><tbody></tbody></table>
<noscript><p>The findings table needs JavaScript; the totals above do not.</p></noscript>
</section>
${coverage(ctx)}
${metadata(ctx)}
</div><script>${SCRIPT}</script></body></html>
`;
}
