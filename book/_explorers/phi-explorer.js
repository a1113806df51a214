/* phi-explorer.js: "The phi update", live.  Drag the point x_i and the means m_k along the line
 * (or focus one and use the arrow keys); the logits a_ik = x_i m_k - (s_k^2 + m_k^2)/2
 * (phi-update) and the responsibilities phi_ik (phi-softmax, computed with the shift of phi-shift
 * by cavi-engine.js) update as you move.  Markup: <div class="cavi-live" data-kind="phi"></div>. */
(function () {
  "use strict";
  var E = window.caviEngine, U = window.caviKit, NS = "http://www.w3.org/2000/svg";
  var LO = -6, HI = 6;

  function svg(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var a in attrs) e.setAttribute(a, attrs[a]);
    if (parent) parent.appendChild(e);
    return e;
  }

  function PhiExplorer(node) {
    var self = this;
    this.node = node;
    this.x = 0.8;
    this.m = [-2.5, 0.5, 3];
    this.s2 = [1, 1, 1];
    this.ctl = {
      K: U.select("clusters K", [[2, "2"], [3, "3"], [4, "4"], [5, "5"]], 3, function (v) {
        var base = [-2.5, 0.5, 3, -4.5, 5];
        self.m = base.slice(0, +v); self.s2 = self.m.map(function () { return 1; });
        self.build(); self.update();
      })
    };
    this.varCtl = U.el("div", {className: "cavi-settings"});
    node.appendChild(U.el("div", {className: "cavi-settings"}, [this.ctl.K.el]));
    node.appendChild(this.varCtl);
    node.appendChild(U.el("p", {className: "cavi-hint",
      text: "Drag the point x\u1d62 (black) or a mean m\u2096 (coloured triangles) along the line, or focus one (Tab) and press the arrow keys (Shift: larger steps)."}));
    this.svg = svg("svg", {"class": "cavi-phi-svg", role: "group", "aria-label": "number line with the point and the means"});
    node.appendChild(this.svg);
    this.table = U.el("table", {className: "cavi-phi-table"});
    node.appendChild(this.table);
    this.status = U.el("p", {className: "cavi-status", "aria-live": "polite"});
    node.appendChild(this.status);
    U.onThemeChange(function () { self.update(); });
    U.onResize(node, function () { self.update(); });
    this.build();
    this.update();
  }

  PhiExplorer.prototype.build = function () {
    var self = this;
    while (this.svg.firstChild) this.svg.removeChild(this.svg.firstChild);
    while (this.varCtl.firstChild) this.varCtl.removeChild(this.varCtl.firstChild);
    this.s2.forEach(function (v, k) {         // one variance s_k^2 per cluster
      self.varCtl.appendChild(U.slider("s" + (k + 1) + "\u00b2", {min: -2, max: 1, step: 0.05, value: v, log: true},
        function (w) { self.s2[k] = w; self.update(); }).el);
    });
    this.axis = svg("g", {}, this.svg);
    this.bars = svg("g", {}, this.svg);
    this.handles = [];
    var mk = function (name, label, get, set, shape) {
      var g = svg("g", {tabindex: "0", role: "slider", "aria-label": label, "aria-valuemin": LO,
                        "aria-valuemax": HI, "class": "cavi-handle"}, self.svg);
      shape(g);
      var drag = false;
      g.addEventListener("pointerdown", function (ev) { drag = true; g.setPointerCapture(ev.pointerId); ev.preventDefault(); });
      g.addEventListener("pointermove", function (ev) {
        if (!drag) return;
        var rect = self.svg.getBoundingClientRect();
        set(Math.max(LO, Math.min(HI, self.sx.invert(ev.clientX - rect.left))));
        self.update();
      });
      g.addEventListener("pointerup", function () { drag = false; });
      g.addEventListener("keydown", function (ev) {
        var step = ev.shiftKey ? 1 : 0.1, v = get();
        if (ev.key === "ArrowRight" || ev.key === "ArrowUp") v += step;
        else if (ev.key === "ArrowLeft" || ev.key === "ArrowDown") v -= step;
        else if (ev.key === "Home") v = LO; else if (ev.key === "End") v = HI;
        else return;
        ev.preventDefault();
        set(Math.round(Math.max(LO, Math.min(HI, v)) * 100) / 100);
        self.update();
      });
      self.handles.push({g: g, get: get, name: name});
    };
    this.m.forEach(function (_, k) {
      mk("m" + k, "mean m" + (k + 1), function () { return self.m[k]; }, function (v) { self.m[k] = v; },
        function (g) {
          svg("path", {d: "M -9 -16 L 9 -16 L 0 0 Z", fill: U.COLOURS[k], stroke: "currentColor", "stroke-width": 1}, g);
          svg("text", {y: -20, "text-anchor": "middle", "font-size": 12, fill: "currentColor"}, g).textContent = "m" + (k + 1);
        });
    });
    mk("x", "data point x\u1d62", function () { return self.x; }, function (v) { self.x = v; },
      function (g) { svg("circle", {r: 8, cy: 0, fill: "currentColor"}, g); });
  };

  PhiExplorer.prototype.update = function () {
    var K = this.m.length, W = U.widthOf(this.node), th = U.theme(this.node);
    var barH = 22 * K, H = 70 + 2 * (barH + 30);
    this.svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    this.svg.setAttribute("width", W); this.svg.setAttribute("height", H);
    this.svg.style.color = th.text;
    var sx = this.sx = U.scale(LO, HI, 20, W - 20), lineY = 46;
    // engine: logits in distance form (one point, d = 1, lam = 1) and phi with the max shift
    var X = new Float64Array([this.x]), M = new Float64Array(this.m), s2 = new Float64Array(this.s2);
    var phi = E.updatePhi(X, 1, 1, M, s2, K, 1.0).phi;
    var a = this.m.map(function (m, k) { return this.x * m - (this.s2[k] + m * m) / 2; }, this);   // (phi-update)
    var g = this.axis;
    while (g.firstChild) g.removeChild(g.firstChild);
    svg("line", {x1: sx(LO), x2: sx(HI), y1: lineY, y2: lineY, stroke: th.muted}, g);
    U.ticks(LO, HI, 6).forEach(function (t) {
      svg("line", {x1: sx(t), x2: sx(t), y1: lineY, y2: lineY + 5, stroke: th.muted}, g);
      svg("text", {x: sx(t), y: lineY + 18, "text-anchor": "middle", fill: th.text, "font-size": 12}, g).textContent = U.fmt(t);
    });
    var self = this;
    this.handles.forEach(function (h) {
      var v = h.get();
      h.g.setAttribute("transform", "translate(" + sx(v) + "," + (h.name === "x" ? lineY : lineY - 2) + ")");
      h.g.setAttribute("aria-valuenow", v.toFixed(2));
      h.g.setAttribute("aria-valuetext", v.toFixed(2));
    });
    // bars: the logits a_ik (centred at their maximum) and the responsibilities phi_ik
    var b = this.bars;
    while (b.firstChild) b.removeChild(b.firstChild);
    var amax = Math.max.apply(null, a), amin = Math.min.apply(null, a), span = Math.max(1, amax - amin);
    var top1 = 80, top2 = top1 + barH + 30, left = 90, right = W - 70;
    svg("text", {x: 4, y: top1 - 6, fill: th.text, "font-size": 12}, b).textContent = "logit a\u1d62\u2096 \u2212 max";
    svg("text", {x: 4, y: top2 - 6, fill: th.text, "font-size": 12}, b).textContent = "\u03c6\u1d62\u2096";
    for (var k = 0; k < K; k++) {
      var y1 = top1 + 22 * k, y2 = top2 + 22 * k;
      var wA = (right - left) * (amax - a[k]) / span;     // length of a negative bar, to the left of 0 at `right`
      svg("rect", {x: right - wA, y: y1 + 3, width: Math.max(wA, 1), height: 15, fill: U.COLOURS[k]}, b);
      svg("text", {x: left - 6, y: y1 + 15, "text-anchor": "end", fill: th.text, "font-size": 12}, b).textContent = "k = " + (k + 1);
      svg("text", {x: right + 4, y: y1 + 15, fill: th.text, "font-size": 12}, b).textContent = U.fmt(a[k] - amax, 3);
      svg("rect", {x: left, y: y2 + 3, width: Math.max((right - left) * phi[k], 1), height: 15, fill: U.COLOURS[k]}, b);
      svg("text", {x: left - 6, y: y2 + 15, "text-anchor": "end", fill: th.text, "font-size": 12}, b).textContent = "k = " + (k + 1);
      svg("text", {x: right + 4, y: y2 + 15, fill: th.text, "font-size": 12}, b).textContent = U.fmt(phi[k], 3);
    }
    // the same numbers as a table (read by screen readers; copyable)
    var rows = ["<caption>x\u1d62 = " + U.fmt(this.x, 3) + "</caption><tr><th scope=col>k</th><th scope=col>m\u2096</th><th scope=col>s\u2096\u00b2</th><th scope=col>logit a\u1d62\u2096</th><th scope=col>\u03c6\u1d62\u2096</th></tr>"];
    for (k = 0; k < K; k++) {
      rows.push("<tr><td>" + (k + 1) + "</td><td>" + U.fmt(this.m[k], 3) + "</td><td>" + U.fmt(this.s2[k], 3) + "</td><td>" + U.fmt(a[k], 4) +
                "</td><td>" + U.fmt(phi[k], 4) + "</td></tr>");
    }
    this.table.innerHTML = rows.join("");
    var best = 0;
    for (k = 1; k < K; k++) if (phi[k] > phi[best]) best = k;
    this.status.textContent = "x\u1d62 = " + U.fmt(this.x, 3) + ": most responsible cluster " + (best + 1) +
      " (\u03c6 = " + U.fmt(phi[best], 3) + ").";
    this.phi = phi; this.logits = a;
  };

  U.ready("div.cavi-live[data-kind=phi]", function (node) { node.caviExplorer = new PhiExplorer(node); });
})();
