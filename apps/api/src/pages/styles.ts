/**
 * The one stylesheet of the public pages, inlined in every page (no request
 * for it, nothing from other hosts). Colours are custom properties, swapped
 * for dark mode by `prefers-color-scheme`; text colours keep ≥ 4.5:1 and
 * status marks ≥ 3:1 against their background in both themes.
 */
// One rule per run length of the bars (1 to 90 days): a run is that many cells wide.
const runLengths = Array.from({ length: 90 }, (_, index) => `.n${index + 1}{--n:${index + 1}}`).join('');

export const stylesheet = `
:root{color-scheme:light dark;--bg:#fff;--surface:#f5f7f9;--text:#1a1d21;--muted:#4a5260;--line:#d3d8de;--link:#0b57d0;--focus:#0b57d0;
--operational:#1a7f37;--degraded:#9a6700;--partial_outage:#c2410c;--major_outage:#c01c28;--maintenance:#1d5fc2;--none:#848c96;--nodata:#c3c8ce}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--surface:#1a1f26;--text:#e8eaed;--muted:#aab2bd;--line:#39414b;--link:#8ab4f8;--focus:#8ab4f8;
--operational:#3fb950;--degraded:#d4a72c;--partial_outage:#f0883e;--major_outage:#ff6a63;--maintenance:#58a6ff;--none:#6e7681;--nodata:#3a414a}}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;overflow-wrap:anywhere}
a{color:var(--link)}
a:focus-visible,summary:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:2px}
h1,h2,h3,h4{line-height:1.25;margin:0}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin:2rem 0 .75rem}h3{font-size:1.05rem}h4{font-size:1rem}
p{margin:.25rem 0}
.wrap{max-width:56rem;margin:0 auto;padding:0 1rem}
.sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.skip{position:absolute;left:-999px;top:.5rem;background:var(--bg);padding:.5rem 1rem;z-index:2}
.skip:focus{left:.5rem}
.top{border-bottom:1px solid var(--line)}
.top .wrap{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1.5rem;padding-top:.75rem;padding-bottom:.75rem}
.brand{display:flex;align-items:center;gap:.5rem;font-weight:700;font-size:1.15rem;color:var(--text);text-decoration:none}
.brand img{max-height:2rem;width:auto}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
main{padding-top:1.5rem;padding-bottom:2rem}
.lead{color:var(--muted);margin-bottom:1rem}
.ico{width:1.1em;height:1.1em;flex:none;vertical-align:-.18em;fill:currentColor;stroke:var(--bg);stroke-width:1.8;stroke-linecap:round;stroke-linejoin:round}
.s-operational{color:var(--operational)}.s-degraded{color:var(--degraded)}.s-partial_outage{color:var(--partial_outage)}.s-major_outage{color:var(--major_outage)}.s-maintenance{color:var(--maintenance)}
.banner{display:flex;align-items:center;gap:.75rem;margin:1rem 0;padding:1rem 1.25rem;background:var(--surface);border:1px solid var(--line);border-left:.5rem solid currentColor;border-radius:.5rem}
.banner .ico{width:2rem;height:2rem}
.banner h1{color:var(--text);font-size:1.35rem}
.st{display:inline-flex;align-items:center;gap:.35rem;white-space:nowrap}
.st span{color:var(--text)}
.cards{list-style:none;margin:0;padding:0;display:grid;gap:.75rem}
.card{border:1px solid var(--line);border-left:.35rem solid currentColor;border-radius:.5rem;padding:.75rem 1rem;background:var(--surface)}
.card>*{color:var(--text)}
.meta{color:var(--muted);font-size:.9rem}
.msg{white-space:pre-line;margin:.5rem 0}
.group{margin-top:1.25rem}
.group>h3{padding-bottom:.35rem;border-bottom:1px solid var(--line)}
.svcs{list-style:none;margin:0;padding:0}
.svc{padding:.75rem 0;border-bottom:1px solid var(--line)}
.svc-head{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem}
.svc-head h4{font-weight:600}
.bar{display:flex;list-style:none;margin:.5rem 0 .25rem;padding:0;height:2rem}
.bar li{flex:var(--n) 1 0;min-width:0;position:relative;background:repeating-linear-gradient(90deg,var(--c) 0 calc(100% / var(--n) - 1px),transparent calc(100% / var(--n) - 1px) calc(100% / var(--n)))}
.u-operational{--c:var(--operational)}.u-degraded{--c:var(--degraded)}.u-partial_outage{--c:var(--partial_outage)}.u-major_outage{--c:var(--major_outage)}.u-maintenance{--c:var(--maintenance)}.u-none{--c:var(--nodata)}
${runLengths}
.bar li:hover .sr{clip:auto;width:max-content;max-width:min(18rem,80vw);height:auto;margin:0;white-space:normal;left:0;top:2.25rem;z-index:1;padding:.35rem .5rem;background:var(--text);color:var(--bg);border-radius:.25rem;font-size:.8rem}
.bar li:last-child:hover .sr,.bar li:nth-last-child(2):hover .sr{left:auto;right:0}
.legend{display:flex;justify-content:space-between;gap:1rem;color:var(--muted);font-size:.85rem}
.foot-note{color:var(--muted);font-size:.85rem;margin-top:1.5rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:1rem 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
.timeline{list-style:none;margin:0;padding:0;border-left:2px solid var(--line)}
.timeline li{position:relative;padding:0 0 1.25rem 1rem}
.timeline li::before{content:"";position:absolute;left:-.4rem;top:.35rem;width:.7rem;height:.7rem;border-radius:50%;background:var(--muted)}
.plain{list-style:none;margin:0;padding:0}
.plain li{margin:.25rem 0}
table{border-collapse:collapse;width:100%;max-width:28rem}
caption{text-align:left;font-weight:600;margin-bottom:.5rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.pager{display:flex;flex-wrap:wrap;justify-content:space-between;gap:1rem;margin-top:2rem}
.form{display:grid;gap:1rem;max-width:36rem;margin-top:1rem}
.form label{display:block}
.form input[type=email]{display:block;width:100%;margin-top:.25rem;padding:.5rem;font:inherit;color:var(--text);background:var(--bg);border:1px solid var(--muted);border-radius:.25rem}
.form fieldset{border:1px solid var(--line);border-radius:.5rem;padding:.5rem 1rem;margin:0}
.form legend{font-weight:600;padding:0 .25rem}
.form .check{display:flex;gap:.5rem;align-items:flex-start;padding:.25rem 0}
.form input[type=checkbox],.form input[type=radio]{width:1.25rem;height:1.25rem;margin:.15rem 0 0;flex:none}
.form input:focus-visible,button:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
button{font:inherit;padding:.5rem 1.25rem;border-radius:.25rem;border:1px solid var(--link);background:var(--link);color:var(--bg);cursor:pointer;justify-self:start}
.hp{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}
.notice{padding:.75rem 1rem;border:1px solid var(--line);border-left:.35rem solid var(--link);border-radius:.5rem;background:var(--surface);margin:1rem 0}
footer{border-top:1px solid var(--line);color:var(--muted);font-size:.9rem}
footer .wrap{padding-top:1rem;padding-bottom:2rem;display:grid;gap:.5rem}
@media print{.top nav,.skip,footer nav,.lang{display:none}body{background:#fff;color:#000}
.bar li,.banner,.card{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:#000;text-decoration:none}.bar li:hover .sr{display:none}}
`
  .replace(/\n/g, '')
  .trim();
