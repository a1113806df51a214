/* explorer-kit.js: what the book's live explorers share (no CAVI here; see cavi-engine.js).
 *
 * - a seeded random generator for simulated data (the page's own: NOT NumPy's, so the same
 *   seed gives the same data on this page every time, but not the data of vilib.simulate);
 * - the cluster colours (vilib/viz/style.py CLUSTER_COLOURS: Okabe-Ito without black, then
 *   three of Paul Tol's muted colours) and the theme's colours (light and dark mode);
 * - canvases sharp at any pixel density, axes with ticks, and labelled controls.
 */
(function (root) {
  "use strict";

  var COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442",
                 "#882255", "#44AA99", "#332288"];
  var UNASSIGNED = [187, 187, 187];                       // #BBBBBB, before the first sweep

  function hexRgb(h) {
    return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
  }
  var RGB = COLOURS.map(hexRgb);

  /* ---- random numbers: mulberry32 (32-bit state) and Box-Muller normals */
  function rng(seed) {
    var a = (seed >>> 0) ^ 0x9E3779B9;
    var spare = null;
    function uniform() {                                   // in (0, 1)
      a = (a + 0x6D2B79F5) | 0;
      var t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
    }
    function normal() {
      if (spare !== null) { var s = spare; spare = null; return s; }
      var r = Math.sqrt(-2 * Math.log(uniform())), th = 2 * Math.PI * uniform();
      spare = r * Math.sin(th);
      return r * Math.cos(th);
    }
    return {uniform: uniform, normal: normal,
            integer: function (m) { return Math.min(m - 1, Math.floor(uniform() * m)); }};
  }

  /* Draw n points from the book's model (eq-model-d): mu_k ~ N(0, sigma^2 I_d),
   * c_i ~ uniform on 1..K, x_i ~ N(mu_{c_i}, lam^2 I_d).  Returns flat arrays. */
  function simulate(n, K, sigma, d, lam, seed) {
    var r = rng(seed), mu = new Float64Array(K * d), x = new Float64Array(n * d), c = new Int32Array(n);
    for (var k = 0; k < K * d; k++) mu[k] = sigma * r.normal();
    for (var i = 0; i < n; i++) {
      c[i] = r.integer(K);
      for (var j = 0; j < d; j++) x[i * d + j] = mu[c[i] * d + j] + lam * r.normal();
    }
    return {x: x, mu: mu, c: c, n: n, d: d, K: K};
  }

  /* ---- theme colours (pydata-sphinx-theme sets html[data-theme=light|dark]) */
  function theme(el) {
    var cs = getComputedStyle(el || document.documentElement);
    function v(name, fallback) { var s = cs.getPropertyValue(name).trim(); return s || fallback; }
    var dark = document.documentElement.getAttribute("data-theme") === "dark";
    return {
      dark: dark,
      text: v("--pst-color-text-base", dark ? "#ced6dd" : "#222832"),
      muted: v("--pst-color-text-muted", dark ? "#9ca4af" : "#5f6670"),
      grid: dark ? "rgba(255,255,255,0.14)" : "rgba(0,0,0,0.10)",
      faint: dark ? "#6b7280" : "#BBBBBB",
      background: v("--pst-color-background", dark ? "#121212" : "#ffffff")
    };
  }

  function onThemeChange(callback) {
    new MutationObserver(callback).observe(document.documentElement,
      {attributes: true, attributeFilter: ["data-theme"]});
  }

  /* ---- canvas at the device's pixel density; drawing in CSS pixels */
  function fitCanvas(canvas, width, height) {
    var r = window.devicePixelRatio || 1;
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    if (canvas.width !== Math.round(width * r) || canvas.height !== Math.round(height * r)) {
      canvas.width = Math.round(width * r);
      canvas.height = Math.round(height * r);
    }
    var ctx = canvas.getContext("2d");
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return ctx;
  }

  /* Many points at once: squares of half-width r (CSS px) written into one bitmap, then drawn
   * over the canvas in one call (10,000 fillRect calls with their colour strings cost ~10x more).
   * px, py: positions in CSS px; rgb: 3 bytes per point. */
  var layer = null;
  function drawPoints(ctx, width, height, px, py, rgb, n, r) {
    var dpr = window.devicePixelRatio || 1, w = Math.round(width * dpr), h = Math.round(height * dpr);
    if (!layer || layer.canvas.width !== w || layer.canvas.height !== h) {
      var c = document.createElement("canvas");
      c.width = w; c.height = h;
      layer = {canvas: c, ctx: c.getContext("2d"), image: new ImageData(w, h)};
    }
    var data = layer.image.data, half = Math.max(1, Math.round(r * dpr));
    data.fill(0);
    for (var i = 0; i < n; i++) {
      var cx = Math.round(px[i] * dpr), cy = Math.round(py[i] * dpr);
      var x0 = Math.max(0, cx - half), x1 = Math.min(w, cx + half), y0 = Math.max(0, cy - half), y1 = Math.min(h, cy + half);
      var R = rgb[3 * i], G = rgb[3 * i + 1], B = rgb[3 * i + 2];
      for (var y = y0; y < y1; y++) {
        for (var o = (y * w + x0) * 4, e = (y * w + x1) * 4; o < e; o += 4) {
          data[o] = R; data[o + 1] = G; data[o + 2] = B; data[o + 3] = 255;
        }
      }
    }
    layer.ctx.putImageData(layer.image, 0, 0);
    ctx.drawImage(layer.canvas, 0, 0, width, height);
  }

  /* About n "nice" ticks (1, 2, 5 x 10^k) inside [lo, hi]; at least two when the range is wide enough. */
  function ticks(lo, hi, n) {
    if (!(hi > lo)) return [lo];
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
    var err = (hi - lo) / n / step;
    step *= err >= 5 ? 10 : err >= 2 ? 5 : err >= 1.4 ? 2 : 1;
    var out = [];
    for (var tries = 0; tries < 4 && out.length < 2; tries++, step /= 2.5) {
      out = [];
      for (var t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) out.push(Math.abs(t) < 1e-12 * step ? 0 : +t.toPrecision(12));
    }
    return out;
  }

  function fmt(v, digits) {
    if (!isFinite(v)) return "–";
    var a = Math.abs(v);
    var s = a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential((digits || 3) - 1) : String(+v.toPrecision(digits || 3));
    return s.replace("-", "\u2212");
  }

  /* A linear scale from [d0, d1] to [r0, r1]. */
  function scale(d0, d1, r0, r1) {
    var f = function (v) { return r0 + (v - d0) * (r1 - r0) / (d1 - d0); };
    f.invert = function (p) { return d0 + (p - r0) * (d1 - d0) / (r1 - r0); };
    f.domain = [d0, d1];
    return f;
  }

  /* Axis lines, ticks and labels of a box [x0, x1] x [y0, y1] (CSS px). */
  function axes(ctx, th, box, sx, sy, opts) {
    opts = opts || {};
    ctx.save();
    ctx.strokeStyle = th.muted; ctx.fillStyle = th.text; ctx.lineWidth = 1;
    ctx.font = "12px system-ui, sans-serif";
    ctx.beginPath();
    ctx.moveTo(box.x0, box.y0); ctx.lineTo(box.x0, box.y1); ctx.lineTo(box.x1, box.y1);
    ctx.stroke();
    if (sx) {
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      ticks(sx.domain[0], sx.domain[1], Math.max(2, Math.floor((box.x1 - box.x0) / 70))).forEach(function (t) {
        var p = sx(t);
        ctx.beginPath(); ctx.moveTo(p, box.y1); ctx.lineTo(p, box.y1 + 4); ctx.stroke();
        ctx.fillText(opts.xfmt ? opts.xfmt(t) : fmt(t), p, box.y1 + 5);
      });
    }
    if (sy) {
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      ticks(sy.domain[0], sy.domain[1], Math.max(2, Math.floor((box.y1 - box.y0) / 40))).forEach(function (t) {
        var p = sy(t);
        ctx.beginPath(); ctx.moveTo(box.x0 - 4, p); ctx.lineTo(box.x0, p); ctx.stroke();
        ctx.fillText(opts.yfmt ? opts.yfmt(t) : fmt(t), box.x0 - 6, p);
      });
    }
    if (opts.xlabel) {
      ctx.textAlign = "center"; ctx.textBaseline = "bottom";
      ctx.fillText(opts.xlabel, (box.x0 + box.x1) / 2, opts.height - 2);
    }
    if (opts.ylabel) {
      ctx.translate(12, (box.y0 + box.y1) / 2); ctx.rotate(-Math.PI / 2);
      ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText(opts.ylabel, 0, 0);
    }
    ctx.restore();
  }

  /* ---- controls: every one a native element with a visible <label> */
  var uid = 0;
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var a in attrs || {}) {
      if (a === "text") e.textContent = attrs[a];
      else if (a === "className") e.className = attrs[a];
      else e.setAttribute(a, attrs[a]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }

  function labelled(labelText, input, output) {
    var id = "cavi-ctl-" + (++uid);
    input.id = id;
    var wrap = el("div", {className: "cavi-ctl"}, [el("label", {"for": id, text: labelText}), input]);
    if (output) { output.setAttribute("for", id); wrap.appendChild(output); }
    return wrap;
  }

  /* A slider over v in [min, max] (log10 scale if log); onChange(value) on every move. */
  function slider(labelText, o, onChange) {
    var input = el("input", {type: "range", min: o.min, max: o.max, step: o.step,
                             value: o.log ? Math.log10(o.value) : o.value});
    var out = el("output", {className: "cavi-out"}), current = o.value;
    function value() { return current; }
    function show() {
      out.textContent = fmt(value(), 3);
      input.setAttribute("aria-valuetext", labelText + " " + out.textContent);
    }
    input.addEventListener("input", function () {
      var v = +input.value;
      current = o.log ? +Math.pow(10, v).toPrecision(3) : v;
      show(); onChange(current);
    });
    show();
    return {el: labelled(labelText, input, out), input: input, value: value,
            set: function (v) { current = v; input.value = o.log ? Math.log10(v) : v; show(); }};
  }

  function select(labelText, options, value, onChange) {
    var input = el("select", {});
    options.forEach(function (o) {
      var opt = el("option", {value: o[0], text: o[1]});
      if (String(o[0]) === String(value)) opt.selected = true;
      input.appendChild(opt);
    });
    input.addEventListener("change", function () { onChange(input.value); });
    return {el: labelled(labelText, input), input: input, value: function () { return input.value; },
            set: function (v) { input.value = String(v); }};
  }

  function number(labelText, o, onChange) {
    var input = el("input", {type: "number", min: o.min, max: o.max, step: 1, value: o.value,
                             inputmode: "numeric"});
    input.addEventListener("change", function () {
      var v = Math.round(+input.value);
      if (!isFinite(v)) v = o.value;
      v = Math.min(o.max, Math.max(o.min, v));
      input.value = v;
      onChange(v);
    });
    return {el: labelled(labelText, input), input: input, value: function () { return +input.value; }};
  }

  function button(text, onClick, attrs) {
    var b = el("button", Object.assign({type: "button", className: "cavi-btn", text: text}, attrs || {}));
    b.addEventListener("click", onClick);
    return b;
  }

  /* Run init(root) on each element matching selector, once the page is ready. */
  function ready(selector, init) {
    function go() {
      document.querySelectorAll(selector).forEach(function (node) {
        if (node.dataset.caviReady) return;
        node.dataset.caviReady = "1";
        init(node);
      });
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
    else go();
  }

  /* Call redraw when the explorer's width changes (its height follows from its width). */
  function onResize(node, redraw) {
    if (!window.ResizeObserver) return;
    var last = 0;
    new ResizeObserver(function () {
      var w = widthOf(node);
      if (w !== last) { last = w; redraw(); }
    }).observe(node);
  }

  /* Width available to an explorer's pictures. */
  function widthOf(node) {
    var cs = getComputedStyle(node);
    return Math.max(260, Math.floor(node.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)));
  }

  root.caviKit = {COLOURS: COLOURS, RGB: RGB, UNASSIGNED: UNASSIGNED, rng: rng, simulate: simulate,
                  theme: theme, onThemeChange: onThemeChange, fitCanvas: fitCanvas, drawPoints: drawPoints, ticks: ticks,
                  fmt: fmt, scale: scale, axes: axes, el: el, slider: slider, select: select,
                  number: number, button: button, ready: ready, widthOf: widthOf,
                  onResize: onResize};
})(this);
