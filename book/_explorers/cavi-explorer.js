/* cavi-explorer.js: the live CAVI explorer of "CAVI and its ELBO" and "From one dimension to d".
 *
 * Runs cavi-engine.js in the page (no kernel): Step moves half a sweep at a time (the phi
 * update recolours the points, then the (m, s2) update moves the clusters), Play/Pause,
 * Reset, a sweep slider, the settings K, sigma, lambda, n, seed and the data set; clicking
 * the plot (or Enter on it, after moving its cross with the arrow keys) adds a data point and
 * continues from the current fit.  The run is computed up to convergence when a setting
 * changes (one sweep is a fraction of a millisecond at n = 1,000), so the slider spans it.
 *
 * Markup (written by book/_ext/cavi_explorers.py):
 *   <div class="cavi-live" data-kind="cavi" data-data="sim1">
 *     <script type="application/json" class="cavi-datasets">{...data menu...}</script></div>
 */
(function () {
  "use strict";
  var E = window.caviEngine, U = window.caviKit;
  var MAX_SWEEPS = 300, TOL = 1e-8, PLAY_MS = 450;

  var N_CHOICES = [20, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10000];

  function CaviExplorer(node) {
    var self = this;
    this.node = node;
    // the data menu (vilib.datasets): sim1, sim2 (simulated here), galaxies, faithful (raw values)
    this.sets = JSON.parse(node.querySelector("script.cavi-datasets").textContent);
    var first = this.sets[node.dataset.data] ? node.dataset.data : "sim1";
    var o = node.dataset;      // the chapter's starting settings (directive options), else the data set's
    this.p = {data: first, K: +(o.k || this.sets[first].K), sigma: +(o.sigma || this.sets[first].sigma),
              lam: +(o.lam || this.sets[first].lam), n: +(o.n || 300), seed: +(o.seed || 9)};
    this.h = 0;                 // half-steps shown: sweep floor(h/2), phi updated when h is odd
    this.timer = null;
    this.cursor = null;         // keyboard cross, in data units
    this.build();
    this.newData();
    U.onThemeChange(function () { self.draw(); });
    U.onResize(node, function () { self.draw(); });
  }

  /* ---------------------------------------------------------------- controls */
  CaviExplorer.prototype.build = function () {
    var self = this, el = U.el;
    this.stepBtn = U.button("Step: update \u03c6", function () { self.pause(); self.step(); });
    this.playBtn = U.button("Play", function () { self.toggle(); }, {"aria-pressed": "false"});
    this.resetBtn = U.button("Reset", function () { self.pause(); self.show(0); });
    this.sweep = U.slider("sweep", {min: 0, max: 1, step: 1, value: 0}, function (v) {
      self.pause(); self.show(2 * v);
    });
    this.status = el("p", {className: "cavi-status", "aria-live": "polite"});
    this.canvas = el("canvas", {className: "cavi-plot", tabindex: "0", role: "img"});
    this.elboCanvas = el("canvas", {className: "cavi-elbo", role: "img"});
    this.canvas.addEventListener("click", function (ev) { self.onClick(ev); });
    this.canvas.addEventListener("keydown", function (ev) { self.onKey(ev); });
    this.canvas.addEventListener("blur", function () { self.cursor = null; self.draw(); });

    var dataOpts = Object.keys(this.sets).map(function (k) { return [k, self.sets[k].label]; });
    this.ctl = {
      data: U.select("data", dataOpts, this.p.data, function (v) {
        var s = self.sets[v];
        self.p.data = v; self.p.K = s.K; self.p.sigma = s.sigma; self.p.lam = s.lam;
        self.ctl.K.set(s.K); self.ctl.sigma.set(s.sigma); self.ctl.lam.set(s.lam);
        self.newData();
      }),
      K: U.slider("clusters K", {min: 1, max: 10, step: 1, value: this.p.K}, function (v) {
        self.p.K = v; self.newData();
      }),
      sigma: U.slider("prior sd \u03c3", {min: -1, max: 2, step: 0.05, value: this.p.sigma, log: true},
        function (v) { self.p.sigma = v; self.newData(); }),
      lam: U.slider("noise sd \u03bb", {min: -1.3, max: 0.7, step: 0.05, value: this.p.lam, log: true},
        function (v) { self.p.lam = v; self.newData(); }),
      n: U.select("points n", N_CHOICES.map(function (v) { return [v, String(v)]; }), this.p.n,
        function (v) { self.p.n = +v; self.newData(); }),
      seed: U.number("seed", {min: 0, max: 99999, value: this.p.seed}, function (v) {
        self.p.seed = v; self.newData();
      })
    };
    var c = this.ctl;
    this.node.appendChild(el("div", {className: "cavi-toolbar"},
      [this.stepBtn, this.playBtn, this.resetBtn, this.sweep.el]));
    this.node.appendChild(this.status);
    this.node.appendChild(el("div", {className: "cavi-figs"}, [this.canvas, this.elboCanvas]));
    var hintId = "cavi-hint-" + Math.random().toString(36).slice(2, 9);
    this.canvas.setAttribute("aria-describedby", hintId);
    this.node.appendChild(el("p", {className: "cavi-hint", id: hintId,
      text: "Click or tap the plot to add a point there and continue from the current fit " +
            "(keyboard: focus the plot, move the cross with the arrow keys, press Enter)."}));
    this.node.appendChild(el("div", {className: "cavi-settings"},
      [c.data.el, c.K.el, c.sigma.el, c.lam.el, c.n.el, c.seed.el]));
  };

  /* ---------------------------------------------------------------- the run */
  CaviExplorer.prototype.newData = function () {
    var p = this.p, s = this.sets[p.data];
    this.pause();
    this.ctl.n.input.disabled = !!s.raw;
    if (s.raw) {                  // real data: standardized as vilib.datasets does, (v - mean) / sd
      var d = s.d, n = s.raw.length / d, x = new Float64Array(n * d);
      for (var i = 0; i < n; i++) for (var j = 0; j < d; j++) x[i * d + j] = (s.raw[i * d + j] - s.center[j]) / s.scale[j];
      this.data = {x: x, n: n, d: d, mu: null};
    } else {
      this.data = U.simulate(p.n, p.K, p.sigma, s.d, p.lam, p.seed);
    }
    var r = U.rng(p.seed + 1), n0 = this.data.n;
    this.jitter = new Float64Array(20000);
    for (i = 0; i < this.jitter.length; i++) this.jitter[i] = 0.1 + 0.8 * r.uniform();
    this.restart(this.startMeans(r), n0);
  };

  /* The starting q(mu): every m_k near the centre of the data (within 0.3 sd, in a random
   * direction from the page's generator), s2_k = 1; so the fit needs several sweeps to pull
   * the means apart, and a reader sees it happen. */
  CaviExplorer.prototype.startMeans = function (r) {
    var X = this.data.x, n = this.data.n, d = this.data.d, K = this.p.K;
    var M = new Float64Array(K * d), mean = new Float64Array(d), sd = new Float64Array(d);
    for (var j = 0; j < d; j++) {
      var s = 0, ss = 0;
      for (var i = 0; i < n; i++) s += X[i * d + j];
      mean[j] = s / n;
      for (i = 0; i < n; i++) ss += (X[i * d + j] - mean[j]) * (X[i * d + j] - mean[j]);
      sd[j] = Math.sqrt(ss / n) || 1;
    }
    for (var k = 0; k < K; k++) for (j = 0; j < d; j++) M[k * d + j] = mean[j] + 0.3 * sd[j] * (2 * r.uniform() - 1);
    var s2 = new Float64Array(K);
    s2.fill(1);
    return {M: M, s2: s2};
  };

  /* history[t] = the fit after t sweeps: {M, s2, elbo, elboHalf, n (points it saw)}. */
  CaviExplorer.prototype.restart = function (start, n) {
    this.history = [{M: start.M, s2: start.s2, elbo: NaN, elboHalf: NaN, n: n}];
    this.added = [];             // sweeps after which a point was added
    this.phiKey = null;
    this.extend();
    this.show(0);
  };

  /* Compute sweeps from the last one in history until the ELBO gains less than TOL of itself. */
  CaviExplorer.prototype.extend = function () {
    var p = this.p, D = this.data, h = this.history;
    var segStart = h.length - 1;
    while (h.length <= MAX_SWEEPS) {
      var last = h[h.length - 1];
      var r = E.sweep(D.x, D.n, D.d, last, p.K, p.sigma, p.lam);
      h.push({M: r.M, s2: r.s2, elbo: r.elbo, elboHalf: r.elboHalf, n: D.n});
      var t = h.length - 1;
      if (t - segStart > 1 && r.elbo - h[t - 1].elbo < TOL * Math.abs(r.elbo)) break;
    }
    this.sweep.input.max = h.length - 1;
  };

  /* phi shown at half-step h: made from the fit after sweep ceil(h/2) - 1 (none at h = 0). */
  CaviExplorer.prototype.phiAt = function (h) {
    if (h === 0) return null;
    var t = Math.ceil(h / 2) - 1, key = t + ":" + this.history.length;
    if (this.phiKey === key) return this.phiCache;
    var D = this.data, f = this.history[t], seen = this.history[t + 1].n;   // the points sweep t + 1 saw
    var st = E.updatePhi(D.x, seen, D.d, f.M, f.s2, this.p.K, this.p.lam);
    this.phiKey = key;
    this.phiCache = {phi: st.phi, n: seen};
    return this.phiCache;
  };

  /* ---------------------------------------------------------------- actions */
  CaviExplorer.prototype.show = function (h) {
    var T = this.history.length - 1;
    this.h = Math.max(0, Math.min(h, 2 * T));
    this.sweep.set(Math.floor(this.h / 2));
    this.stepBtn.textContent = this.h % 2 ? "Step: update m, s\u00b2" : "Step: update \u03c6";
    this.stepBtn.disabled = this.h >= 2 * T;
    this.draw();
  };

  CaviExplorer.prototype.step = function () {
    if (this.h < 2 * (this.history.length - 1)) this.show(this.h + 1);
  };

  CaviExplorer.prototype.toggle = function () { if (this.timer) this.pause(); else this.play(); };

  CaviExplorer.prototype.play = function () {
    var self = this;
    if (this.h >= 2 * (this.history.length - 1)) this.show(0);
    this.playBtn.textContent = "Pause";
    this.playBtn.setAttribute("aria-pressed", "true");
    this.status.setAttribute("aria-live", "off");      // no announcement every 0.45 s while playing
    this.timer = setInterval(function () {
      if (self.h >= 2 * (self.history.length - 1)) self.pause();
      else self.step();
    }, PLAY_MS);
  };

  CaviExplorer.prototype.pause = function () {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.playBtn.textContent = "Play";
    this.playBtn.setAttribute("aria-pressed", "false");
    this.status.setAttribute("aria-live", "polite");
  };

  /* Add a point at data coordinates v (length d) and continue from the fit shown: the sweeps
   * after it are dropped, the next sweep sees every point. */
  CaviExplorer.prototype.addPoint = function (v) {
    this.pause();
    var t = Math.floor(this.h / 2), D = this.data, d = D.d;
    this.history.length = t + 1;
    this.added = this.added.filter(function (a) { return a < t; });
    this.added.push(t);
    var keep = this.history[t].n, x = new Float64Array((keep + 1) * d);
    x.set(D.x.subarray(0, keep * d));
    for (var j = 0; j < d; j++) x[keep * d + j] = v[j];
    this.data = {x: x, n: keep + 1, d: d, mu: D.mu, c: D.c};
    this.phiKey = null;
    this.extend();
    this.show(2 * t);
    this.announce("Point added at " + v.map(function (a) { return U.fmt(a, 3); }).join(", ") +
                  "; press Step to update \u03c6 with it.");
  };

  CaviExplorer.prototype.onClick = function (ev) {
    if (!this.frame) return;
    var rect = this.canvas.getBoundingClientRect(), px = ev.clientX - rect.left, py = ev.clientY - rect.top;
    var f = this.frame;
    if (px < f.box.x0 || px > f.box.x1 || py < f.box.y0 || py > f.box.y1) return;
    this.addPoint(this.data.d === 1 ? [f.sx.invert(px)] : [f.sx.invert(px), f.sy.invert(py)]);
  };

  CaviExplorer.prototype.onKey = function (ev) {
    var f = this.frame;
    if (!f) return;
    var dx = (f.sx.domain[1] - f.sx.domain[0]) / 40, dy = f.sy ? (f.sy.domain[1] - f.sy.domain[0]) / 40 : 0;
    if (!this.cursor) this.cursor = [(f.sx.domain[0] + f.sx.domain[1]) / 2, f.sy ? (f.sy.domain[0] + f.sy.domain[1]) / 2 : 0];
    var c = this.cursor, k = ev.key;
    if (k === "ArrowLeft") c[0] -= dx; else if (k === "ArrowRight") c[0] += dx;
    else if (k === "ArrowUp" && f.sy) c[1] += dy; else if (k === "ArrowDown" && f.sy) c[1] -= dy;
    else if (k === "Enter" || k === " ") {
      ev.preventDefault();
      this.addPoint(this.data.d === 1 ? [c[0]] : [c[0], c[1]]);
      return;
    } else return;
    ev.preventDefault();
    c[0] = Math.min(f.sx.domain[1], Math.max(f.sx.domain[0], c[0]));
    if (f.sy) c[1] = Math.min(f.sy.domain[1], Math.max(f.sy.domain[0], c[1]));
    this.draw();
  };

  CaviExplorer.prototype.announce = function (text) { this.extra = text; this.status.textContent = this.describe(); };

  /* ---------------------------------------------------------------- the picture */
  CaviExplorer.prototype.describe = function () {
    var h = this.h, t = Math.floor(h / 2), T = this.history.length - 1, f = this.history[t];
    var K = this.p.K, d = this.data.d, parts = [];
    var msg;
    if (h === 0) msg = "Sweep 0 of " + T + ": the starting q(\u03bc) (means near the centre, s\u00b2 = 1); points not assigned yet.";
    else if (h % 2) msg = "Sweep " + (t + 1) + " of " + T + ", first half: \u03c6 updated from q(\u03bc) of sweep " + t +
      " (the points recolour). ELBO = " + U.fmt(this.history[t + 1].elboHalf, 7) + ".";
    else msg = "Sweep " + t + " of " + T + (t === T ? " (converged)" : "") + ": m and s\u00b2 updated (the clusters move). ELBO = " +
      U.fmt(f.elbo, 7) + ".";
    for (var k = 0; k < K; k++) {
      var m = [];
      for (var j = 0; j < d; j++) m.push(U.fmt(f.M[k * d + j], 3));
      parts.push("m" + (k + 1) + " = " + (d > 1 ? "(" + m.join(", ") + ")" : m[0]));
    }
    return msg + " " + parts.join(", ") + "." + (this.extra ? " " + this.extra : "");
  };

  /* Each point's colour: sum_k phi_ik rgb_k (a point torn between clusters gets a blend);
   * grey for points no phi update has seen yet.  3 bytes per point. */
  CaviExplorer.prototype.colours = function (ph, n) {
    var K = this.p.K, out = new Uint8ClampedArray(3 * n), RGB = U.RGB, G = U.UNASSIGNED;
    for (var i = 0; i < n; i++) {
      if (!ph || i >= ph.n) { out[3 * i] = G[0]; out[3 * i + 1] = G[1]; out[3 * i + 2] = G[2]; continue; }
      var r = 0, g = 0, b = 0;
      for (var k = 0; k < K; k++) {
        var w = ph.phi[i * K + k];
        r += w * RGB[k][0]; g += w * RGB[k][1]; b += w * RGB[k][2];
      }
      out[3 * i] = Math.round(r); out[3 * i + 1] = Math.round(g); out[3 * i + 2] = Math.round(b);
    }
    return out;
  };

  /* The points: drawn as one bitmap; the ones added by the reader and not yet seen by a phi
   * update get a ring. */
  CaviExplorer.prototype.points = function (ctx, th, W, H, px, py, ph, r) {
    var n = this.data.n;
    U.drawPoints(ctx, W, H, px, py, this.colours(ph, n), n, r);
    var seen = ph ? ph.n : 0;
    for (var i = Math.max(seen, this.history[0].n); i < n; i++) this.ring(ctx, th, px[i], py[i]);
  };

  /* Axis ranges fixed for a run: the data, every mean of the run and the true means. */
  CaviExplorer.prototype.ranges = function () {
    var D = this.data, d = D.d, lo = [], hi = [];
    for (var j = 0; j < d; j++) { lo.push(Infinity); hi.push(-Infinity); }
    function take(a, len) {
      for (var i = 0; i < len; i++) { var j = i % d; if (a[i] < lo[j]) lo[j] = a[i]; if (a[i] > hi[j]) hi[j] = a[i]; }
    }
    take(D.x, D.n * d);
    this.history.forEach(function (f) { take(f.M, f.M.length); });
    if (D.mu) take(D.mu, D.mu.length);
    var pad = [];
    for (j = 0; j < d; j++) pad.push(0.06 * (hi[j] - lo[j]) + 0.3 * this.p.lam);
    return {lo: lo.map(function (v, j) { return v - pad[j]; }), hi: hi.map(function (v, j) { return v + pad[j]; })};
  };

  CaviExplorer.prototype.draw = function () {
    if (!this.history) return;
    var W = U.widthOf(this.node), wide = W >= 900;
    var plotW = wide ? Math.floor(W * 0.62) : W, elboW = wide ? W - plotW - 8 : W;
    var th = U.theme(this.node);
    var ph = this.phiAt(this.h);
    if (this.data.d === 1) this.draw1d(plotW, th, ph); else this.draw2d(plotW, th, ph);
    this.drawElbo(elboW, wide ? this.frame.height : 170, th);
    this.status.textContent = this.describe();
    this.canvas.setAttribute("aria-label", "Data and fitted clusters. " + this.status.textContent);
    this.extra = "";
  };

  CaviExplorer.prototype.draw1d = function (W, th, ph) {
    var H = 280, ctx = U.fitCanvas(this.canvas, W, H), D = this.data, K = this.p.K;
    var f = this.history[Math.floor(this.h / 2)], R = this.ranges();
    var box = {x0: 46, x1: W - 10, y0: 22, y1: H - 40}, split = box.y0 + (box.y1 - box.y0) * 0.68;
    var sx = U.scale(R.lo[0], R.hi[0], box.x0, box.x1);
    var minS2 = Infinity;
    this.history.forEach(function (g, t) { if (t > 0) for (var k = 0; k < K; k++) minS2 = Math.min(minS2, g.s2[k]); });
    if (!isFinite(minS2)) minS2 = 1;
    var sy = U.scale(0, 1.12 / Math.sqrt(2 * Math.PI * minS2), split - 4, box.y0);
    U.axes(ctx, th, {x0: box.x0, x1: box.x1, y0: box.y0, y1: box.y1}, sx, null,
           {xlabel: "x  (points coloured by their responsibilities \u03c6\u1d62)", height: H});
    ctx.save();
    ctx.fillStyle = th.text; ctx.font = "12px system-ui, sans-serif"; ctx.textBaseline = "top";
    ctx.fillText("density of q(\u03bc\u2096)", box.x0 + 4, 4);
    ctx.strokeStyle = th.grid; ctx.beginPath(); ctx.moveTo(box.x0, split); ctx.lineTo(box.x1, split); ctx.stroke();
    if (D.mu) {                                   // true means, dashed
      ctx.setLineDash([5, 4]); ctx.strokeStyle = th.text; ctx.lineWidth = 1;
      for (var k = 0; k < D.mu.length; k++) {
        ctx.beginPath(); ctx.moveTo(sx(D.mu[k]), box.y0); ctx.lineTo(sx(D.mu[k]), split); ctx.stroke();
      }
      ctx.setLineDash([]);
      ctx.textAlign = "right"; ctx.fillText("dashed: true \u03bc\u2096", box.x1, 4);
    }
    for (k = 0; k < K; k++) {                     // q(mu_k) = N(m_k, s2_k)
      var m = f.M[k], s = Math.sqrt(f.s2[k]);
      ctx.strokeStyle = U.COLOURS[k]; ctx.lineWidth = 2.2; ctx.beginPath();
      for (var z = -4; z <= 4.0001; z += 0.05) {
        var v = m + s * z, dens = Math.exp(-0.5 * z * z) / (s * Math.sqrt(2 * Math.PI));
        var py = Math.max(box.y0, sy(dens));
        if (z === -4) ctx.moveTo(sx(v), py); else ctx.lineTo(sx(v), py);
      }
      ctx.stroke();
    }
    var top = split + 4, hgt = box.y1 - split - 8, px = new Float64Array(D.n), py = new Float64Array(D.n);
    for (var i = 0; i < D.n; i++) { px[i] = sx(D.x[i]); py[i] = top + hgt * this.jitter[i % this.jitter.length]; }
    this.points(ctx, th, W, H, px, py, ph, D.n > 2000 ? 1.5 : 2.5);
    if (this.cursor) this.cross(ctx, th, sx(this.cursor[0]), top + hgt / 2);
    ctx.restore();
    this.frame = {box: {x0: box.x0, x1: box.x1, y0: box.y0, y1: box.y1}, sx: sx, sy: null, height: H};
  };

  CaviExplorer.prototype.draw2d = function (W, th, ph) {
    var D = this.data, K = this.p.K, f = this.history[Math.floor(this.h / 2)], R = this.ranges();
    var H = Math.min(Math.round(W * 0.85), 440), box = {x0: 46, x1: W - 10, y0: 22, y1: H - 40};
    // equal units on both axes, so a circle of radius s_k is a circle
    var ux = (R.hi[0] - R.lo[0]) / (box.x1 - box.x0), uy = (R.hi[1] - R.lo[1]) / (box.y1 - box.y0), u = Math.max(ux, uy);
    var cx = (R.lo[0] + R.hi[0]) / 2, cy = (R.lo[1] + R.hi[1]) / 2, hw = u * (box.x1 - box.x0) / 2, hh = u * (box.y1 - box.y0) / 2;
    var sx = U.scale(cx - hw, cx + hw, box.x0, box.x1), sy = U.scale(cy - hh, cy + hh, box.y1, box.y0);
    var ctx = U.fitCanvas(this.canvas, W, H);
    U.axes(ctx, th, box, sx, sy, {xlabel: "x\u1d62\u2081   (colour: \u03c6\u1d62;  circles: radius s\u2096 around m\u2096)", ylabel: "x\u1d62\u2082", height: H});
    ctx.save();
    ctx.beginPath(); ctx.rect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0); ctx.clip();
    var px = new Float64Array(D.n), py = new Float64Array(D.n);
    for (var i = 0; i < D.n; i++) { px[i] = sx(D.x[2 * i]); py[i] = sy(D.x[2 * i + 1]); }
    this.points(ctx, th, W, H, px, py, ph, D.n > 2000 ? 1.5 : 2.5);
    if (D.mu) {
      ctx.strokeStyle = th.text; ctx.lineWidth = 2;
      for (var k = 0; k < D.K; k++) {
        var mx = sx(D.mu[2 * k]), my = sy(D.mu[2 * k + 1]);
        ctx.beginPath(); ctx.moveTo(mx - 7, my); ctx.lineTo(mx + 7, my); ctx.moveTo(mx, my - 7); ctx.lineTo(mx, my + 7); ctx.stroke();
      }
    }
    for (k = 0; k < K; k++) {
      var x0 = sx(f.M[2 * k]), y0 = sy(f.M[2 * k + 1]), rad = Math.sqrt(f.s2[k]) / u;
      ctx.lineWidth = 4; ctx.strokeStyle = th.background;          // a halo: visible on points and in both modes
      ctx.beginPath(); ctx.arc(x0, y0, Math.max(rad, 2), 0, 2 * Math.PI); ctx.stroke();
      ctx.lineWidth = 2.2; ctx.strokeStyle = U.COLOURS[k];
      ctx.beginPath(); ctx.arc(x0, y0, Math.max(rad, 2), 0, 2 * Math.PI); ctx.stroke();
      ctx.fillStyle = U.COLOURS[k]; ctx.strokeStyle = th.text; ctx.lineWidth = 1.2;
      ctx.beginPath(); ctx.moveTo(x0 - 5, y0 - 5); ctx.lineTo(x0 + 5, y0 + 5); ctx.moveTo(x0 + 5, y0 - 5); ctx.lineTo(x0 - 5, y0 + 5);
      ctx.lineWidth = 5; ctx.strokeStyle = th.text; ctx.stroke();
      ctx.lineWidth = 3; ctx.strokeStyle = U.COLOURS[k]; ctx.stroke();
    }
    if (this.cursor) this.cross(ctx, th, sx(this.cursor[0]), sy(this.cursor[1]));
    ctx.restore();
    ctx.fillStyle = th.text; ctx.font = "12px system-ui, sans-serif"; ctx.textBaseline = "top";
    ctx.fillText("\u00d7 m\u2096 (circle: radius s\u2096)" + (D.mu ? "    + true \u03bc\u2096" : ""), box.x0 + 4, 4);
    this.frame = {box: box, sx: sx, sy: sy, height: H};
  };

  CaviExplorer.prototype.ring = function (ctx, th, x, y) {
    ctx.save(); ctx.strokeStyle = th.text; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.arc(x, y, 6, 0, 2 * Math.PI); ctx.stroke(); ctx.restore();
  };

  CaviExplorer.prototype.cross = function (ctx, th, x, y) {
    ctx.save(); ctx.strokeStyle = th.text; ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.moveTo(x - 9, y); ctx.lineTo(x + 9, y); ctx.moveTo(x, y - 9); ctx.lineTo(x, y + 9); ctx.stroke();
    ctx.restore();
  };

  /* The ELBO after each sweep: the whole run faint, the sweeps so far bold, the current one marked
   * (hollow half-way through a sweep, after the phi update); a dashed line where a point was added. */
  CaviExplorer.prototype.drawElbo = function (W, H, th) {
    var ctx = U.fitCanvas(this.elboCanvas, W, H), h = this.history, T = h.length - 1;
    var box = {x0: 64, x1: W - 12, y0: 12, y1: H - 40};
    var lo = Infinity, hi = -Infinity;
    // the range of the sweeps' ELBOs (a half-sweep value lies between two of them, except in
    // sweep 1, whose half-way value, at the starting means, can be far below: its marker is
    // then drawn at the bottom edge)
    for (var t = 1; t <= T; t++) { lo = Math.min(lo, h[t].elbo); hi = Math.max(hi, h[t].elbo); }
    var pad = hi > lo ? 0.08 * (hi - lo) : Math.max(1, 1e-3 * Math.abs(hi));
    var sx = U.scale(0.5, Math.max(T, 2) + 0.5, box.x0, box.x1), sy = U.scale(lo - pad, hi + pad, box.y1, box.y0);
    U.axes(ctx, th, box, sx, sy, {xlabel: "sweep", ylabel: "ELBO", height: H,
      xfmt: function (v) { return Number.isInteger(v) ? String(v) : ""; }, yfmt: function (v) { return U.fmt(v, 4); }});
    var self = this;
    function line(upTo, colour, width) {
      ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.beginPath();
      for (var t = 1; t <= upTo; t++) {
        var brk = self.added.indexOf(t - 1) >= 0 && t > 1;
        if (t === 1 || brk) ctx.moveTo(sx(t), sy(h[t].elbo)); else ctx.lineTo(sx(t), sy(h[t].elbo));
      }
      ctx.stroke();
    }
    line(T, th.faint, 1.2);
    var cur = Math.floor(this.h / 2);
    line(cur, th.text, 2);
    ctx.fillStyle = th.text;                          // a dot per sweep done
    for (t = 1; t <= cur; t++) { ctx.beginPath(); ctx.arc(sx(t), sy(h[t].elbo), 2.5, 0, 2 * Math.PI); ctx.fill(); }
    ctx.setLineDash([4, 4]); ctx.strokeStyle = th.muted; ctx.lineWidth = 1;
    this.added.forEach(function (a) { ctx.beginPath(); ctx.moveTo(sx(a + 0.5), box.y0); ctx.lineTo(sx(a + 0.5), box.y1); ctx.stroke(); });
    ctx.setLineDash([]);
    ctx.fillStyle = "#D55E00"; ctx.strokeStyle = "#D55E00"; ctx.lineWidth = 2;
    if (this.h % 2) {
      ctx.beginPath(); ctx.arc(sx(cur + 0.5), Math.min(box.y1, sy(h[cur + 1].elboHalf)), 5, 0, 2 * Math.PI); ctx.stroke();
    } else if (cur > 0) {
      ctx.beginPath(); ctx.arc(sx(cur), sy(h[cur].elbo), 5, 0, 2 * Math.PI); ctx.fill();
    }
    this.elboCanvas.setAttribute("aria-label", "ELBO trace over " + T + " sweeps, from " + U.fmt(h[1].elbo, 6) +
      " to " + U.fmt(h[T].elbo, 6) + (cur > 0 ? "; sweep " + cur + " has " + U.fmt(h[cur].elbo, 6) : "") + ".");
  };

  U.ready("div.cavi-live[data-kind=cavi]", function (node) { node.caviExplorer = new CaviExplorer(node); });
})();
