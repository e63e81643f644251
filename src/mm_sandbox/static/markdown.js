// A post's Markdown shown the way Mattermost's web app shows it.
//
// The parser is the one the web app uses, Mattermost's fork of marked (vendor/marked.js, MIT;
// origin and commit in vendor/README.md), called with the web app's options. The renderer
// below is written for this page after the web app's utils/markdown/renderer.tsx and
// utils/text_formatting.tsx: the same HTML shape (code spans, tables, headings, links), the
// same link rules (no javascript:, vbscript: or data: link; a link without a scheme gets
// http://), e-mail addresses and @mentions picked out of plain text. What the page leaves
// out: syntax highlighting, LaTeX, emoticons such as :smile:, hashtag search links, link
// previews.
//
// Safety comes from the parser's `sanitize` option, as in the web app: raw HTML in a message
// is shown as text, never inserted; everything else the renderer writes is escaped here.
"use strict";

(function (global) {
  const marked = global.marked;

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  // marked hands a link's href HTML-escaped; the checks need the characters themselves.
  function unescapeEntities(text) {
    return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);?/gi, function (_, name) {
      const n = name.toLowerCase();
      if (n === "colon") return ":";
      if (n[0] === "#") {
        const code = n[1] === "x" ? parseInt(n.slice(2), 16) : Number(n.slice(1));
        return Number.isFinite(code) ? String.fromCodePoint(code) : "";
      }
      return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[n] || "";
    });
  }

  function schemeOf(url) {
    const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
    return match ? match[1].toLowerCase() : "";
  }

  // A link may not run script or carry data, however it is encoded.
  function isUrlSafe(url) {
    let plain;
    try {
      plain = decodeURIComponent(url);
    } catch (e) {
      plain = url;
    }
    plain = plain.replace(/[^\w:]/g, "").toLowerCase();
    return !/^(javascript|vbscript|data):/.test(plain);
  }

  // The server's default ServiceSettings.AutolinkedUrlSchemes (model/config.go).
  const AUTOLINKED_SCHEMES = ["http", "https", "ftp", "mailto", "tel", "mattermost"];

  function urlFilter(url) {
    const scheme = schemeOf(url);
    return !scheme || AUTOLINKED_SCHEMES.indexOf(scheme) !== -1;
  }

  function linkHtml(href, title, text) {
    const plain = unescapeEntities(href);
    if (!isUrlSafe(plain)) return text;
    let out = href;
    if (!href.startsWith("/") && !schemeOf(plain)) out = "http://" + href;
    let html = '<a class="theme markdown__link" href="' + out + '" rel="noreferrer" target="_blank"';
    if (title) html += ' title="' + title + '"';
    // A mention or e-mail link found inside the label would nest a link in a link.
    return html + ">" + text.replace(/<\/?a[^>]*>/g, "") + "</a>";
  }

  // Plain text inside a message (already HTML-escaped by the parser): e-mail addresses
  // become mailto links and @mentions are marked, as the web app does. The bot defuses the
  // mentions it quotes with a zero-width space after the @, which this pattern does not match.
  const EMAIL = /(^|[^\p{L}\d.+_-])([\p{L}\d.+_-]+@[\p{L}\d-]+(?:\.[\p{L}\d-]+)*\.\p{L}{2,})(?![\p{L}\d])/gu;
  const MENTION = /(^|[^\p{L}\d_.@-])@([a-z0-9][a-z0-9._-]*[a-z0-9_]|[a-z0-9])(?![\p{L}\d])/giu;

  function formatText(text, mentions) {
    const links = [];
    let out = text.replace(EMAIL, function (_, lead, email) {
      links.push(
        '<a class="theme" href="mailto:' + email + '" rel="noreferrer" target="_blank">' + email + "</a>"
      );
      return lead + "\u0000" + (links.length - 1) + "\u0000";
    });
    if (mentions) {
      out = out.replace(MENTION, function (_, lead, name) {
        return lead + '<span class="mention-link" data-mention="' + name + '">@' + name + "</span>";
      });
    }
    return out.replace(/\u0000(\d+)\u0000/g, function (_, i) { return links[Number(i)]; });
  }

  function postRenderer() {
    const r = new marked.Renderer();
    r.code = function (code, language) {
      const lang = (language || "").toLowerCase();
      return '<div class="post-code"><pre><code class="hljs"' +
        (lang ? ' data-language="' + escapeHtml(lang) + '"' : "") + ">" +
        escapeHtml(code) + "</code></pre></div>";
    };
    r.codespan = function (text) {
      return '<span class="codespan__pre-wrap"><code>' + text + "</code></span>";
    };
    r.heading = function (text, level) {
      return "<h" + level + ' class="markdown__heading">' + text + "</h" + level + ">";
    };
    r.link = linkHtml;
    r.image = function (href, title, text) {
      const plain = unescapeEntities(href);
      if (!/^https?:\/\//i.test(plain)) return text;
      return '<img class="markdown-inline-img" src="' + href + '" alt="' + text + '"' +
        (title ? ' title="' + title + '"' : "") + ">";
    };
    r.table = function (header, body) {
      return '<div class="table-responsive"><table class="markdown__table"><thead>' + header +
        "</thead><tbody>" + body + "</tbody></table></div>";
    };
    r.tablerow = function (content) { return "<tr>" + content + "</tr>"; };
    r.tablecell = function (content, flags) {
      return marked.Renderer.prototype.tablecell.call(this, content, flags).trim();
    };
    r.list = function (body, ordered, start) {
      const tag = ordered ? "ol" : "ul";
      const from = ordered && start && start !== 1 ? ' start="' + Number(start) + '"' : "";
      return "<" + tag + ' class="markdown__list"' + from + ">" + body + "</" + tag + ">";
    };
    r.listitem = function (text) {
      const task = /^\[([ xX])\] /.exec(text);
      if (task) {
        return '<li class="list-item--task-list"><input type="checkbox" disabled' +
          (task[1] === " " ? "" : " checked") + "> " + text.slice(task[0].length) + "</li>";
      }
      return "<li><span>" + text + "</span></li>";
    };
    r.text = function (text) { return formatText(text, true); };
    return r;
  }

  // An attachment's title without a title_link: only links are rendered, and no bare URL is
  // linked (the web app's LinkOnlyRenderer with no autolinked schemes).
  function linkOnlyRenderer() {
    const r = new marked.Renderer();
    const same = function (text) { return text; };
    r.code = function (code) { return escapeHtml(code); };
    r.codespan = same;
    r.strong = same;
    r.em = same;
    r.del = same;
    r.br = function () { return " "; };
    r.heading = same;
    r.paragraph = same;
    r.blockquote = same;
    r.list = same;
    r.listitem = function (text) { return text + " "; };
    r.table = function (header, body) { return header + body; };
    r.tablerow = same;
    r.tablecell = function (content) { return content + " "; };
    r.hr = function () { return ""; };
    r.image = function (href, title, text) { return text; };
    r.link = linkHtml;
    r.text = same;
    return r;
  }

  const POST_RENDERER = postRenderer();
  const TITLE_RENDERER = linkOnlyRenderer();

  function parse(source, renderer, filter) {
    return marked(String(source || ""), {
      renderer: renderer,
      sanitize: true,
      gfm: true,
      tables: true,
      mangle: false,
      urlFilter: filter,
    }).trim();
  }

  function render(source) {
    return parse(source, POST_RENDERER, urlFilter);
  }

  function title(source) {
    return parse(source, TITLE_RENDERER, function () { return false; });
  }

  global.Markdown = { render: render, title: title, escapeHtml: escapeHtml, isUrlSafe: isUrlSafe };
})(window);
