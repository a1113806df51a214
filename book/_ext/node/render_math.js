// Build-time math for cavi-book: a long-lived KaTeX renderer for book/_ext/katex_math.py.
// Protocol: one JSON request a line on stdin, {"tex": "...", "display": true|false}; one JSON
// answer a line on stdout, {"html": "..."} or {"error": "..."}. One process serves the whole
// build, so no formula pays for a Node start-up.
"use strict";
const katex = require("katex");
const readline = require("readline");

const rl = readline.createInterface({input: process.stdin, terminal: false});
rl.on("line", (line) => {
  let answer;
  try {
    const request = JSON.parse(line);
    const warnings = [];
    const html = katex.renderToString(request.tex, {
      displayMode: Boolean(request.display),
      output: "htmlAndMathml",   // MathML (with the TeX as annotation) for screen readers and copy
      throwOnError: true,
      strict: (code, message) => { warnings.push(`${code}: ${message}`); return "ignore"; },
      trust: false,
    });
    answer = warnings.length ? {html, warnings} : {html};
  } catch (err) {
    answer = {error: String(err && err.message ? err.message : err)};
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
