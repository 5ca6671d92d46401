"""The monthly report as one self-contained HTML file: inline CSS, charts as inline SVG, no
script and nothing fetched, so it can be mailed or archived as it is."""

from __future__ import annotations

from html import escape
from typing import Any

from bot.reports import svg
from bot.reports.labels import METRIC, STATUS, fmt, fmt_change, name_of, t

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",
sans-serif;color:#1f2933;margin:24px auto;max-width:1100px;padding:0 16px;line-height:1.5}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #e3e8ee}
.muted{color:#6b7785}.demo{background:#fff7e6;color:#8a5a00;padding:6px 10px;border-radius:8px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:5px 8px;
border-bottom:1px solid #e3e8ee;text-align:left;vertical-align:top}th{background:#f4f6f9}
td.num{text-align:right;white-space:nowrap}.dot{display:inline-block;width:10px;height:10px;
border-radius:50%;margin-right:6px}.green{background:#12b76a}.amber{background:#f79009}
.red{background:#f04438}.none{background:#c0c7d0}.alert{background:#fef3f2;color:#b42318;
font-weight:600}.better{color:#067647}.worse{color:#b42318}.charts{display:flex;flex-wrap:wrap;
gap:16px}.quote{color:#364152;font-size:12px;margin:2px 0}
"""


def _kpi_rows(tiles: list[dict[str, Any]], lang: str) -> str:
    rows = []
    for tile in tiles:
        status = tile["status"]
        change = fmt_change(tile["change"], tile["change_pct"], tile["unit"], lang)
        trend = "" if tile["better"] is None else ("better" if tile["better"] else "worse")
        target = tile["target"]
        target_text = (f"{fmt(target['green'], tile['unit'], lang)} / "
                       f"{fmt(target['amber'], tile['unit'], lang)}") if target else "—"
        rows.append(
            f"<tr data-metric=\"{tile['key']}\"><td><span class=\"dot {status or 'none'}\" "
            f"title=\"{escape(STATUS[status][lang])}\"></span>{escape(METRIC[tile['key']][lang])}</td>"
            f"<td class=\"num\">{escape(fmt(tile['value'], tile['unit'], lang))}</td>"
            f"<td class=\"num\">{escape(fmt(tile['previous'], tile['unit'], lang))}</td>"
            f"<td class=\"num {trend}\">{escape(change)}</td><td class=\"num\">{escape(target_text)}</td>"
            f"<td class=\"num\">{tile['n']}</td></tr>")
    head = "".join(f"<th>{escape(t(k, lang))}</th>" for k in
                   ("metric", "value", "previous", "change", "target", "basis"))
    return f"<table id=\"kpis\"><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _charts(trends: dict[str, Any], lang: str) -> str:
    labels = [w["first"][5:] for w in trends["weeks"]]
    s = trends["series"]
    groups = [("csat", ["csat"]), ("nps", ["nps"]),
              ("containment_pct", ["containment_pct", "handoff_pct", "fcr_pct"]),
              ("complaints", ["complaints"]), ("contacts", ["contacts"]),
              ("complaint_rate_pct", ["complaint_rate_pct"])]
    out = [svg.line_chart(labels, [(METRIC[k][lang], s[k]) for k in keys],
                          title=METRIC[title][lang]) for title, keys in groups]
    return f"<div class=\"charts\">{''.join(out)}</div>"


def _matrix(m: dict[str, Any], lang: str) -> str:
    if not m["cells"]:
        return f"<p class=\"muted\">{escape(t('none', lang))}</p>"
    cells = {(c["region"], c["service"]): c for c in m["cells"]}
    head = f"<th>{escape(t('region', lang))}</th>" + "".join(
        f"<th>{escape(name_of(sv, lang))}</th>" for sv in m["services"])
    rows = []
    for region in m["regions"]:
        tds = []
        for service in m["services"]:
            c = cells.get((region, service))
            if c is None:
                tds.append("<td class=\"num muted\">—</td>")
                continue
            change = fmt_change(c["change"], c["change_pct"], "score", lang)
            cls = "num alert" if c["alert"] else "num"
            tds.append(f"<td class=\"{cls}\">{escape(fmt(c['csat'], 'score', lang))} "
                       f"<span class=\"muted\">({c['n']}) {escape(change)}</span></td>")
        rows.append(f"<tr><th>{escape(name_of(region, lang))}</th>{''.join(tds)}</tr>")
    note = t("matrix_note", lang, pct=f"{m['drop_alert_pct']:g}", n=m["min_answers"])
    return (f"<table id=\"matrix\"><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
            f"</table><p class=\"muted\">{escape(note)}</p>")


def _complaints(c: dict[str, Any], lang: str) -> str:
    rows = "".join(
        f"<tr><td>{escape(name_of(r['channel'], lang))}</td><td class=\"num\">{r['complaints']}</td>"
        f"<td class=\"num\">{r['contacts']}</td>"
        f"<td class=\"num\">{escape(fmt(r['rate_pct'], 'pct', lang))}</td></tr>"
        for r in c["by_channel"])
    head = "".join(f"<th>{escape(x)}</th>" for x in (
        t("channel", lang), METRIC["complaints"][lang], METRIC["contacts"][lang], t("rate", lang)))
    topics = svg.bar_chart([(name_of(x["topic"], lang), x["count"]) for x in c["by_topic"]],
                           title=t("by_topic", lang), color=svg.PALETTE[3])
    return (f"<h3>{escape(t('by_channel', lang))}</h3><table id=\"by-channel\"><thead><tr>{head}"
            f"</tr></thead><tbody>{rows}</tbody></table>{topics}")


def _quotes(quotes: list[dict[str, Any]]) -> str:
    return "".join(f"<p class=\"quote\">“{escape(q['text'])}”</p>" for q in quotes)


def _voice(voice: dict[str, Any], lang: str) -> str:
    parts = []
    for side, key, color in (("negative", "pain", svg.PALETTE[3]), ("positive", "praise", svg.PALETTE[0])):
        block = voice[side]
        parts.append(f"<h3>{escape(t(key, lang))}</h3><p class=\"muted\">"
                     f"{escape(t(f'{key}_read', lang, n=block['texts']))}</p>")
        if not block["phrases"]:
            parts.append(f"<p class=\"muted\">{escape(t('none', lang))}</p>")
            continue
        parts.append(svg.bar_chart([(p["phrase"], p["count"]) for p in block["phrases"]],
                                   title=t(key, lang), color=color))
        rows = "".join(
            f"<tr><td class=\"num\">{i}</td><td>{escape(p['phrase'])}</td><td class=\"num\">"
            f"{p['count']}</td><td>{_quotes(p['quotes'])}</td></tr>"
            for i, p in enumerate(block["phrases"], 1))
        parts.append(f"<table class=\"voice {side}\"><thead><tr><th>#</th><th></th>"
                     f"<th>{escape(t('mentions', lang))}</th><th>{escape(t('quotes', lang))}</th>"
                     f"</tr></thead><tbody>{rows}</tbody></table>")
    return "".join(parts)


def render(data: dict[str, Any], voice: dict[str, Any], *, month: str, lang: str,
           demo: bool) -> str:
    cur, prev = data["period"]["current"], data["period"]["previous"]
    period = t("period", lang, first=cur["first"], last=cur["last"], pfirst=prev["first"],
               plast=prev["last"])
    banner = f"<p class=\"demo\" id=\"demo\">{escape(t('demo', lang))}</p>" if demo else ""
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f"<!DOCTYPE html><html lang=\"{html_lang}\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(t('title', lang))} {escape(month)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(t('title', lang))} · {escape(month)}</h1>{banner}"
        f"<p class=\"muted\">{escape(period)} · {escape(t('generated', lang))} "
        f"{escape(data['generated_at'][:16].replace('T', ' '))} UTC</p>"
        f"<h2>{escape(t('kpis', lang))}</h2>{_kpi_rows(data['tiles'], lang)}"
        f"<h2>{escape(t('trends', lang))}</h2>{_charts(data['trends'], lang)}"
        f"<h2>{escape(t('matrix', lang))}</h2>{_matrix(data['matrix'], lang)}"
        f"<h2>{escape(t('complaints', lang))}</h2>{_complaints(data['complaints'], lang)}"
        f"<h2>{escape(t('voice', lang))}</h2>{_voice(voice, lang)}"
        f"<p class=\"muted\">{escape(t('definitions', lang))}</p></body></html>")
