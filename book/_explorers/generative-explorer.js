/* generative-explorer.js: "The generative model", live: K, sigma, n, seed (and 1-D or 2-D)
 * draw a new sample from the model with the page's own seeded generator (explorer-kit.js),
 * shown as a histogram stacked by true cluster (1-D) or a scatter (2-D), true means marked.
 * Markup: <div class="cavi-live" data-kind="generative"></div> (book/_ext/cavi_explorers.py). */
(function () {
  "use strict";
  var U = window.caviKit;

  function GenerativeExplorer(node) {
    var self = this;
    this.node = node;
    this.p = {K: 3, sigma: 3, n: 500, seed: 2017, d: 1};
    var redraw = function () { self.resample(); };
    this.ctl = {
      K: U.slider("clusters K", {min: 1, max: 8, step: 1, value: 3}, function (v) { self.p.K = v; redraw(); }),
      sigma: U.slider("prior spread \u03c3", {min: -1, max: 1, step: 0.05, value: 3, log: true},
        function (v) { self.p.sigma = v; redraw(); }),
      n: U.select("points n", [[20, "20"], [100, "100"], [500, "500"], [2000, "2000"], [5000, "5000"]], 500,
        function (v) { self.p.n = +v; redraw(); }),
      seed: U.number("seed", {min: 0, max: 99999, value: 2017}, function (v) { self.p.seed = v; redraw(); }),
      d: U.select("dimension d", [[1, "1 (histogram)"], [2, "2 (scatter)"]], 1,
        function (v) { self.p.d = +v; redraw(); })
    };
    this.newBtn = U.button("New sample", function () {
      self.p.seed = (self.p.seed + 1) % 100000; self.ctl.seed.input.value = self.p.seed; redraw();
    });
    this.canvas = U.el("canvas", {className: "cavi-plot", role: "img"});
    this.status = U.el("p", {className: "cavi-status", "aria-live": "polite"});
    var c = this.ctl;
    node.appendChild(U.el("div", {className: "cavi-settings"}, [c.K.el, c.sigma.el, c.n.el, c.seed.el, c.d.el, this.newBtn]));
    node.appendChild(this.status);
    node.appendChild(U.el("div", {className: "cavi-figs"}, [this.canvas]));
    U.onThemeChange(function () { self.draw(); });
    U.onResize(node, function () { self.draw(); });
    this.resample();
  }

  GenerativeExplorer.prototype.resample = function () {
    var p = this.p;
    this.data = U.simulate(p.n, p.K, p.sigma, p.d, 1.0, p.seed);
    this.draw();
  };

  GenerativeExplorer.prototype.draw = function () {
    var D = this.data, K = D.K, d = D.d, th = U.theme(this.node), W = U.widthOf(this.node);
    var counts = new Array(K).fill(0), i, k;
    for (i = 0; i < D.n; i++) counts[D.c[i]]++;
    var lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
    for (i = 0; i < D.n * d; i++) { lo[i % d] = Math.min(lo[i % d], D.x[i]); hi[i % d] = Math.max(hi[i % d], D.x[i]); }
    for (i = 0; i < K * d; i++) { lo[i % d] = Math.min(lo[i % d], D.mu[i] - 3); hi[i % d] = Math.max(hi[i % d], D.mu[i] + 3); }
    var H = d === 1 ? 260 : Math.min(440, Math.round(W * 0.85)), ctx = U.fitCanvas(this.canvas, W, H);
    var box = {x0: 50, x1: W - 10, y0: 24, y1: H - 40}, sx, sy;
    ctx.font = "12px system-ui, sans-serif";
    if (d === 1) {
      var bins = 40, width = (hi[0] - lo[0]) / bins, heights = [];
      for (k = 0; k < K; k++) heights.push(new Float64Array(bins));
      for (i = 0; i < D.n; i++) {
        var b = Math.min(bins - 1, Math.floor((D.x[i] - lo[0]) / width));
        heights[D.c[i]][b] += 1 / (D.n * width);
      }
      var top = 0;
      for (b = 0; b < bins; b++) { var s = 0; for (k = 0; k < K; k++) s += heights[k][b]; top = Math.max(top, s); }
      sx = U.scale(lo[0], hi[0], box.x0, box.x1); sy = U.scale(0, top * 1.1, box.y1, box.y0);
      U.axes(ctx, th, box, sx, sy, {xlabel: "x  (bars stacked and coloured by true cluster c\u1d62)", ylabel: "density", height: H});
      for (b = 0; b < bins; b++) {
        var base = 0;
        for (k = 0; k < K; k++) {
          if (!heights[k][b]) continue;
          ctx.fillStyle = U.COLOURS[k];
          ctx.fillRect(sx(lo[0] + b * width) + 0.5, sy(base + heights[k][b]), sx(width) - sx(0) - 1, sy(base) - sy(base + heights[k][b]));
          base += heights[k][b];
        }
      }
      ctx.strokeStyle = th.text; ctx.lineWidth = 2;
      for (k = 0; k < K; k++) {
        ctx.beginPath(); ctx.moveTo(sx(D.mu[k]), box.y0); ctx.lineTo(sx(D.mu[k]), box.y0 + 10); ctx.stroke();
      }
      ctx.fillStyle = th.text; ctx.textBaseline = "top"; ctx.fillText("ticks at the top: true means \u03bc\u2096", box.x0 + 4, 4);
    } else {
      var u = Math.max((hi[0] - lo[0]) / (box.x1 - box.x0), (hi[1] - lo[1]) / (box.y1 - box.y0));
      var cx = (lo[0] + hi[0]) / 2, cy = (lo[1] + hi[1]) / 2, hw = u * (box.x1 - box.x0) / 2, hh = u * (box.y1 - box.y0) / 2;
      sx = U.scale(cx - hw, cx + hw, box.x0, box.x1); sy = U.scale(cy - hh, cy + hh, box.y1, box.y0);
      U.axes(ctx, th, box, sx, sy, {xlabel: "x\u1d62\u2081  (colour: true cluster c\u1d62)", ylabel: "x\u1d62\u2082", height: H});
      for (i = 0; i < D.n; i++) {
        ctx.fillStyle = U.COLOURS[D.c[i]];
        ctx.fillRect(sx(D.x[2 * i]) - 2, sy(D.x[2 * i + 1]) - 2, 4, 4);
      }
      ctx.strokeStyle = th.text; ctx.lineWidth = 2.5;
      for (k = 0; k < K; k++) {
        var mx = sx(D.mu[2 * k]), my = sy(D.mu[2 * k + 1]);
        ctx.beginPath(); ctx.moveTo(mx - 8, my); ctx.lineTo(mx + 8, my); ctx.moveTo(mx, my - 8); ctx.lineTo(mx, my + 8); ctx.stroke();
      }
      ctx.fillStyle = th.text; ctx.textBaseline = "top"; ctx.fillText("+ true means \u03bc\u2096", box.x0 + 4, 4);
    }
    var mus = [];
    for (k = 0; k < K; k++) {
      var m = [];
      for (var j = 0; j < d; j++) m.push(U.fmt(D.mu[k * d + j], 3));
      mus.push(d > 1 ? "(" + m.join(", ") + ")" : m[0]);
    }
    this.status.textContent = D.n + " points from K = " + K + " clusters (\u03c3 = " + U.fmt(this.p.sigma, 3) +
      ", seed " + this.p.seed + "); cluster sizes " + counts.join(", ") + "; true means " + mus.join(", ") + ".";
    this.canvas.setAttribute("aria-label", (d === 1 ? "Histogram" : "Scatter plot") + " of a sample from the model. " + this.status.textContent);
  };

  U.ready("div.cavi-live[data-kind=generative]", function (node) { node.caviExplorer = new GenerativeExplorer(node); });
})();
