// A small Markdown renderer for the subset Mattermost bots use: tables, headings, bold,
// italics, strikethrough, inline code, fenced code blocks, links, lists, blockquotes.
// Everything is escaped first, so a message can never inject HTML.
"use strict";

(function (global) {
  function escapeHtml(text) {
    return text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  function safeUrl(url) {
    return /^(https?:|mailto:)/i.test(url) ? url : "#";
  }

  function inline(text) {
    const codes = [];
    let out = text.replace(/`([^`]+)`/g, function (_, code) {
      codes.push("<code>" + escapeHtml(code) + "</code>");
      return "\u0000" + (codes.length - 1) + "\u0000";
    });
    const links = [];
    out = out.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, function (_, label, url) {
      links.push(
        '<a href="' + escapeHtml(safeUrl(url)) + '" target="_blank" rel="noopener">' +
          inline(label) + "</a>"
      );
      return "\u0001" + (links.length - 1) + "\u0001";
    });
    out = escapeHtml(out);
    out = out.replace(/(^|[\s(])(https?:\/\/[^\s<)]+)/g, function (_, lead, url) {
      return lead + '<a href="' + url + '" target="_blank" rel="noopener">' + url + "</a>";
    });
    out = out
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/__([^_]+)__/g, "<strong>$1</strong>")
      .replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)/g, "$1<em>$2</em>")
      .replace(/(^|[^_\w])_([^_\s][^_]*)_(?!\w)/g, "$1<em>$2</em>")
      .replace(/~~([^~]+)~~/g, "<del>$1</del>");
    out = out.replace(/\u0001(\d+)\u0001/g, function (_, i) { return links[Number(i)]; });
    out = out.replace(/\u0000(\d+)\u0000/g, function (_, i) { return codes[Number(i)]; });
    return out;
  }

  function splitRow(line) {
    let row = line.trim();
    if (row.startsWith("|")) row = row.slice(1);
    if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
    return row.split(/(?<!\\)\|/).map(function (cell) { return cell.trim().replace(/\\\|/g, "|"); });
  }

  const TABLE_RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

  function render(source) {
    const lines = String(source || "").replace(/\r\n?/g, "\n").split("\n");
    const html = [];
    let paragraph = [];
    let i = 0;

    function flush() {
      if (paragraph.length) {
        html.push("<p>" + paragraph.map(inline).join("<br>") + "</p>");
        paragraph = [];
      }
    }

    while (i < lines.length) {
      const line = lines[i];
      const fence = line.match(/^\s*(```+|~~~+)\s*([\w+-]*)\s*$/);
      if (fence) {
        flush();
        const body = [];
        i += 1;
        while (i < lines.length && !lines[i].trim().startsWith(fence[1])) {
          body.push(lines[i]);
          i += 1;
        }
        i += 1;
        const lang = fence[2] ? ' class="language-' + escapeHtml(fence[2]) + '"' : "";
        html.push("<pre><code" + lang + ">" + escapeHtml(body.join("\n")) + "</code></pre>");
        continue;
      }
      if (line.includes("|") && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1])) {
        flush();
        const head = splitRow(line);
        const aligns = splitRow(lines[i + 1]).map(function (cell) {
          if (cell.startsWith(":") && cell.endsWith(":")) return "center";
          if (cell.endsWith(":")) return "right";
          return "";
        });
        i += 2;
        const rows = [];
        while (i < lines.length && lines[i].includes("|") && lines[i].trim()) {
          rows.push(splitRow(lines[i]));
          i += 1;
        }
        const cell = function (tag, text, n) {
          const align = aligns[n] ? ' style="text-align:' + aligns[n] + '"' : "";
          return "<" + tag + align + ">" + inline(text || "") + "</" + tag + ">";
        };
        html.push(
          "<table><thead><tr>" + head.map(function (t, n) { return cell("th", t, n); }).join("") +
            "</tr></thead><tbody>" +
            rows.map(function (r) {
              return "<tr>" + head.map(function (_, n) { return cell("td", r[n], n); }).join("") + "</tr>";
            }).join("") +
            "</tbody></table>"
        );
        continue;
      }
      const heading = line.match(/^(#{1,6})\s+(.*)$/);
      if (heading) {
        flush();
        const level = heading[1].length;
        html.push("<h" + level + ">" + inline(heading[2]) + "</h" + level + ">");
        i += 1;
        continue;
      }
      if (/^\s*>/.test(line)) {
        flush();
        const quoted = [];
        while (i < lines.length && /^\s*>/.test(lines[i])) {
          quoted.push(lines[i].replace(/^\s*>\s?/, ""));
          i += 1;
        }
        html.push("<blockquote>" + render(quoted.join("\n")) + "</blockquote>");
        continue;
      }
      const item = line.match(/^\s*([-*+]|\d+[.)])\s+(.*)$/);
      if (item) {
        flush();
        const ordered = /\d/.test(item[1]);
        const items = [];
        while (i < lines.length) {
          const m = lines[i].match(/^\s*([-*+]|\d+[.)])\s+(.*)$/);
          if (!m || /\d/.test(m[1]) !== ordered) break;
          items.push("<li>" + inline(m[2]) + "</li>");
          i += 1;
        }
        html.push((ordered ? "<ol>" : "<ul>") + items.join("") + (ordered ? "</ol>" : "</ul>"));
        continue;
      }
      if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
        flush();
        html.push("<hr>");
        i += 1;
        continue;
      }
      if (!line.trim()) {
        flush();
        i += 1;
        continue;
      }
      paragraph.push(line);
      i += 1;
    }
    flush();
    return html.join("");
  }

  global.Markdown = { render: render, inline: inline, escapeHtml: escapeHtml };
})(window);
